// UI tests through headless chromium: what a user sees and clicks. They run in order on one
// workbench (the review needs the run the first test starts); a failure skips the rest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { BIG_RUN_OBJECTIVE } from '../lib/bigRun';
import { launchBrowser, workbenchUrl } from '../lib/browser';
import { answerQuickInputs, codeLenses, frameWithText, openFile, openWorkbench, runCommand } from './workbench';

export interface UiResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
}

interface UiContext {
  readonly page: Page;
  readonly folder: string;
  readonly artifacts: string;
  readonly titles: ReadonlyMap<string, string>;
  readonly userDataDir: string;
  readonly say: (line: string) => void;
  readonly pace: (ms: number) => void;
}

const SAMPLE_OBJECTIVE = 'add pagination to the users API';

/** "Category: Title" of each contributed command, from the installed manifest (titles may change). */
function commandTitles(extensionDir: string): Map<string, string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { contributes?: { commands?: Array<{ command: string; title: string; category?: string }> } };
  return new Map((manifest.contributes?.commands ?? []).map((c) => [c.command, c.category ? `${c.category}: ${c.title}` : c.title]));
}

function title(ctx: UiContext, command: string): string {
  const t = ctx.titles.get(command);
  if (!t) throw new Error(`the manifest contributes no command ${command}`);
  return t;
}

const TESTS: Array<[string, (ctx: UiContext) => Promise<void>]> = [
  [
    'Run Objective from the command palette runs the sample objective and the dashboard shows the run and its cost',
    async (ctx) => {
      const { page } = ctx;
      // every model reply waits a while, so the run lasts long enough to watch it live
      ctx.pace(1500);
      await runCommand(page, title(ctx, 'codecompanion.runObjective'));
      const prompts = await answerQuickInputs(page, (p) => (/objective/i.test(p) ? SAMPLE_OBJECTIVE : /budget/i.test(p) ? '1' : ''));
      ctx.say(`quick inputs answered: ${prompts.map((p) => JSON.stringify(p.slice(0, 60))).join(', ')}`);
      if (!prompts.some((p) => /objective/i.test(p))) throw new Error(`Run Objective asked no objective; prompts seen: ${JSON.stringify(prompts)}`);
      await runCommand(page, title(ctx, 'codecompanion.showDashboard'));
      const { frame } = await frameWithText(page, new RegExp(SAMPLE_OBJECTIVE), 30_000);
      // live: while the run goes, the dashboard shows it running, with agents at work, and its
      // timeline grows without any reload
      const running = frame.locator('#current-run[data-status="running"]');
      await running.waitFor({ timeout: 30_000 });
      await frame.locator('#timeline li.agent.running').first().waitFor({ timeout: 30_000 });
      const firstCount = await frame.locator('#timeline li.agent').count();
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-dashboard-running.png') });
      if (!(await frame.locator('vscode-button', { hasText: 'Cancel Run' }).count())) throw new Error('a running run offers no Cancel Run');
      const deadline = Date.now() + 60_000;
      let laterCount = firstCount;
      while (laterCount <= firstCount && Date.now() < deadline) {
        await page.waitForTimeout(300);
        laterCount = await frame.locator('#timeline li.agent').count();
      }
      if (laterCount <= firstCount) throw new Error(`the dashboard timeline did not grow while the run went (${firstCount} agents)`);
      ctx.say(`dashboard live: ${firstCount} → ${laterCount} agents while running`);
      ctx.pace(0);
      await frame.locator('#current-run[data-status="completed"]').waitFor({ timeout: 90_000 });
      if (await frame.locator('vscode-button', { hasText: 'Cancel Run' }).count()) throw new Error('the dashboard still offers Cancel Run after the run ended');
      // the review section appears once the run has ended and its patches wait for the user
      const done = await frameWithText(page, /\b[1-9]\d* pending\b/, 90_000);
      if (!done.text.includes(SAMPLE_OBJECTIVE)) throw new Error(`the dashboard no longer names the run: ${done.text.slice(0, 400)}`);
      const cost = /\$(\d+\.\d{2,})/.exec(done.text);
      if (!cost || !(Number(cost[1]) > 0)) throw new Error(`the dashboard shows no cost in USD for the run: ${done.text.slice(0, 400)}`);
      ctx.say(`dashboard: run shown with cost $${cost[1]}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-dashboard-done.png') });
    },
  ],
  [
    'CodeLens Accept on a hunk writes it into the file; Reject with a reason leaves the other file as it was, and Send Back from the notification brings a revised patch',
    async (ctx) => {
      const { page, folder } = ctx;
      const users = path.join(folder, 'src/users.js');
      const tests = path.join(folder, 'test/users.test.js');
      const usersBefore = fs.readFileSync(users, 'utf8');
      const testsBefore = fs.readFileSync(tests, 'utf8');
      if (usersBefore.includes('pageSize')) throw new Error('src/users.js already pages before any accept');
      await openFile(page, 'src/users.js');
      await codeLenses(page, /Accept/).first().waitFor({ timeout: 30_000 });
      await codeLenses(page, /Reject/).first().waitFor({ timeout: 5_000 });
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-codelens.png') });
      await codeLenses(page, /^\s*Accept\s*$/).first().click();
      await page.keyboard.press('Control+S');
      await waitFor(() => fs.readFileSync(users, 'utf8').includes('pageSize'), 15_000, 'the accepted hunk never reached src/users.js on disk');
      await openFile(page, 'test/users.test.js');
      const rejects = codeLenses(page, /^\s*Reject\s*$/);
      await rejects.first().waitFor({ timeout: 15_000 });
      const before = await rejects.count();
      await rejects.first().click();
      await answerQuickInputs(page, () => 'e2e: keep these tests as they are', 1);
      await waitFor(async () => (await codeLenses(page, /^\s*Reject\s*$/).count()) < before, 15_000, 'the rejected hunk still has its CodeLens');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-after.png') });
      if (fs.readFileSync(tests, 'utf8') !== testsBefore) throw new Error('rejecting a hunk changed test/users.test.js on disk');

      // the reason goes back to the author from the notification the reject raised, and its new patch is up for review
      const sendBack = page.locator('.notifications-toasts .monaco-button', { hasText: /^Send back to / });
      await sendBack.first().waitFor({ timeout: 15_000 });
      const label = (await sendBack.first().innerText()).trim();
      await sendBack.first().click();
      await page.locator('.notifications-toasts', { hasText: /revised patch test-pagination\.r\d+ passed review/ }).first().waitFor({ timeout: 60_000 });
      await waitFor(async () => (await codeLenses(page, /^\s*Reject\s*$/).count()) > 0, 30_000, 'the revised patch shows no CodeLens in test/users.test.js');
      // the dashboard follows the revision to its end
      const { frame } = await frameWithText(page, new RegExp(SAMPLE_OBJECTIVE), 10_000);
      await frame.locator('#current-run[data-status="completed"]').waitFor({ timeout: 15_000 });
      await waitFor(async () => (await frame.locator('vscode-button', { hasText: 'Cancel Run' }).count()) === 0, 10_000, 'the dashboard still offers Cancel Run after the revision ended');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-sent-back.png') });
      ctx.say(`"${label}" clicked: the revised patch is pending in test/users.test.js`);
      if (fs.readFileSync(tests, 'utf8') !== testsBefore) throw new Error('sending back changed test/users.test.js on disk before any accept');
    },
  ],
  [
    'Show Run opens a 10,000-event run in the run panel, drawing only the rows in view',
    async (ctx) => {
      const { page } = ctx;
      const t0 = Date.now();
      await runCommand(page, title(ctx, 'codecompanion.showRun'));
      await answerQuickInputs(page, () => BIG_RUN_OBJECTIVE, 1);
      const panel = await frameWithText(page, /\(10000\)/, 30_000);
      const shownMs = Date.now() - t0;
      const rows = await panel.frame.evaluate(() => document.querySelectorAll('[role="listitem"]').length);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-run-panel-10k.png') });
      if (rows === 0 || rows > 300) throw new Error(`the run panel drew ${rows} rows for 10,000 events: expected only the rows in view`);
      let reported: string | undefined;
      await waitFor(() => (reported = renderLine(ctx.userDataDir)) !== undefined, 10_000, 'the run panel never reported its render time to the log').catch(() => undefined);
      ctx.say(`run panel, 10,000 events: on screen ${shownMs} ms after the command (${rows} rows in the DOM); webview: ${reported ?? 'no report'}`);
      if (shownMs > 15_000) throw new Error(`the 10,000-event run took ${shownMs} ms to show`);
    },
  ],
];

/** The run panel's own measure, from the extension's log: "run panel rendered N events in X ms". */
function renderLine(userDataDir: string): string | undefined {
  const logs = path.join(userDataDir, 'logs');
  const files = fs.existsSync(logs) ? (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith('.log')) : [];
  for (const f of files) {
    const m = /run panel rendered 10000 events in [\d.]+ ms/.exec(fs.readFileSync(path.join(logs, f), 'utf8'));
    if (m) return m[0].replace('run panel ', '');
  }
  return undefined;
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, message: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(message);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runUiTests(o: {
  base: string;
  folder: string;
  extensionDir: string;
  userDataDir: string;
  profileDir: string;
  artifacts: string;
  step: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  say: (line: string) => void;
  pace: (ms: number) => void;
}): Promise<UiResult[]> {
  const browser = await launchBrowser(o.profileDir);
  const results: UiResult[] = [];
  try {
    const { page } = browser;
    await o.step('ui: open the workbench', () => openWorkbench(page, workbenchUrl(o.base, o.folder)));
    const ctx: UiContext = { page, folder: o.folder, artifacts: o.artifacts, titles: commandTitles(o.extensionDir), userDataDir: o.userDataDir, say: o.say, pace: o.pace };
    for (const [name, test] of TESTS) {
      if (results.some((r) => !r.ok)) {
        results.push({ name, ok: false, error: 'skipped: an earlier UI test failed' });
        continue;
      }
      try {
        await o.step(`ui: ${name}`, () => test(ctx));
        results.push({ name, ok: true });
        o.say(`  ok   ${name}`);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        results.push({ name, ok: false, error });
        o.say(`  FAIL ${name}: ${error}`);
        await page.screenshot({ path: path.join(o.artifacts, `ui-failure-${results.length}.png`) }).catch(() => undefined);
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}
