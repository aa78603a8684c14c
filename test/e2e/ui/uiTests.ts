// UI tests through headless chromium: what a user sees and clicks. They run in order on one
// workbench (the review needs the run the first test starts); a failure skips the rest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { splitHunks } from '../../../src/app/review/hunks';
import { BIG_RUN_OBJECTIVE } from '../lib/bigRun';
import { launchBrowser, workbenchUrl } from '../lib/browser';
import { reviewHunks, withHunk } from '../lib/reviewCli';
import { answerPrompt, codeLenses, frameWithText, openFile, openWorkbench, runCommand, visibleWebview, waitForPrompt } from './workbench';

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
  /** A number for the README's editor table, printed at the end of the phase. */
  readonly measure: (name: string, value: number) => void;
}

const SAMPLE_OBJECTIVE = 'add pagination to the users API';
const SAMPLE_WORKSPACE = path.resolve(__dirname, '../../../samples/workspace');
const OBJECTIVE_PROMPT = /What should the agents do/;

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
      // the first command in a cold window (the extension not yet loaded; VS Code's own start-up over,
      // so the number is this extension's): the objective prompt is the only one, and it comes first
      await waitFor(() => logsContain(ctx.userDataDir, /Eager extensions activated/), 180_000, 'the extension host never finished starting');
      const invoked = await runCommand(page, title(ctx, 'codecompanion.runObjective'));
      const { shownAt } = await answerPrompt(page, OBJECTIVE_PROMPT, SAMPLE_OBJECTIVE);
      // the clock time too: the extension's log (its own "prompt shown" line) says where the time went
      ctx.say(`Run Objective, cold window: prompt visible ${shownAt - invoked} ms after the command (invoked ${new Date(invoked).toISOString()})`);
      ctx.measure('promptColdMs', shownAt - invoked);
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
      // the status and the buttons are drawn by separate updates: the button goes at the latest a moment later
      await waitFor(async () => (await frame.locator('vscode-button', { hasText: 'Cancel Run' }).count()) === 0, 30_000, 'the dashboard still offers Cancel Run after the run ended');
      // the review section appears once the run has ended and its patches wait for the user
      const done = await frameWithText(page, /\b[1-9]\d* pending\b/, 90_000);
      if (!done.text.includes(SAMPLE_OBJECTIVE)) throw new Error(`the dashboard no longer names the run: ${done.text.slice(0, 400)}`);
      const cost = /\$(\d+\.\d{2,})/.exec(done.text);
      if (!cost || !(Number(cost[1]) > 0)) throw new Error(`the dashboard shows no cost in USD for the run: ${done.text.slice(0, 400)}`);
      ctx.say(`dashboard: run shown with cost $${cost[1]}`);
      // read at a glance: the tables fit the sidebar, the charts have axes, values and a legend,
      // the runs are dated with cost and outcome, and nothing is "held" once the run is over
      const layout = await done.frame.evaluate(() => {
        const perf = document.querySelector<HTMLElement>('#perf');
        return {
          perfFits: perf ? perf.scrollWidth <= (perf.parentElement?.clientWidth ?? 0) + 1 : null,
          axisLabels: document.querySelectorAll('#cost-chart .axis-label').length,
          legend: document.querySelectorAll('#tokens-chart .legend text').length,
          barValues: document.querySelectorAll('#tokens-chart .value').length,
          runMeta: document.querySelector('#runs li .run-meta')?.textContent ?? '',
          text: document.body.innerText,
        };
      });
      if (layout.perfFits !== true) throw new Error(`the Models table does not fit the sidebar (${layout.perfFits === null ? 'no table' : 'it overflows'})`);
      if (layout.axisLabels < 4 || layout.legend < 2 || layout.barValues < 1) throw new Error(`the charts lack axes, legend or values: ${JSON.stringify({ axis: layout.axisLabels, legend: layout.legend, values: layout.barValues })}`);
      if (!/\$\d/.test(layout.runMeta) || !/passed review|nothing to review/.test(layout.runMeta)) throw new Error(`the run list shows no cost or outcome: ${JSON.stringify(layout.runMeta)}`);
      if (/\bheld\b/.test(layout.text)) throw new Error('the dashboard still says "held" after the run ended');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-dashboard-done.png') });

      // warm: the prompt again; typing a prefix of the recent objective keeps the typed text first
      const again = await runCommand(page, title(ctx, 'codecompanion.runObjective'));
      const warm = await waitForPrompt(page, OBJECTIVE_PROMPT);
      ctx.say(`Run Objective, warm window: prompt visible ${warm.shownAt - again} ms after the command`);
      ctx.measure('promptWarmMs', warm.shownAt - again);
      await page.locator('.quick-input-widget input').fill('add pagination');
      const focused = page.locator('.quick-input-list .monaco-list-row.focused');
      // the list is rebuilt as the value changes: wait until the focused row is the typed text (the rule), or fail at the ceiling
      const typedFirst = (text: string) => text.startsWith('add pagination') && !text.includes('users API');
      await waitFor(async () => typedFirst(((await focused.first().innerText().catch(() => '')) ?? '').replace(/\s+/g, ' ').trim()), 30_000, 'the typed text never became the focused row after typing');
      const active = (await focused.first().innerText()).replace(/\s+/g, ' ').trim();
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-objective-typed.png') });
      await page.keyboard.press('Escape');
      // the focused row (what Enter runs) is the typed text, not the recent objective it prefixes
      if (!active.startsWith('add pagination') || active.includes('users API')) throw new Error(`typing a prefix of a recent objective put "${active}" under Enter, not the typed text`);
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
      await codeLenses(page, /Reject/).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-codelens.png') });
      await codeLenses(page, /^\s*Accept\s*$/).first().click();
      await page.keyboard.press('Control+S');
      await waitFor(() => fs.readFileSync(users, 'utf8').includes('pageSize'), 60_000, 'the accepted hunk never reached src/users.js on disk');
      await openFile(page, 'test/users.test.js');
      const rejects = codeLenses(page, /^\s*Reject\s*$/);
      await rejects.first().waitFor({ timeout: 60_000 });
      const before = await rejects.count();
      await rejects.first().click();
      await answerPrompt(page, /Why reject/, 'e2e: keep these tests as they are');
      await waitFor(async () => (await codeLenses(page, /^\s*Reject\s*$/).count()) < before, 60_000, 'the rejected hunk still has its CodeLens');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-after.png') });
      if (fs.readFileSync(tests, 'utf8') !== testsBefore) throw new Error('rejecting a hunk changed test/users.test.js on disk');

      // the reason goes back to the author from the notification the reject raised, and its new patch is up for review
      const sendBack = page.locator('.notifications-toasts .monaco-button', { hasText: /^Send back to / });
      await sendBack.first().waitFor({ timeout: 60_000 });
      const label = (await sendBack.first().innerText()).trim();
      await sendBack.first().click();
      await page.locator('.notifications-toasts', { hasText: /revised patch test-pagination\.r\d+ passed review/ }).first().waitFor({ timeout: 60_000 });
      await waitFor(async () => (await codeLenses(page, /^\s*Reject\s*$/).count()) > 0, 30_000, 'the revised patch shows no CodeLens in test/users.test.js');
      // the dashboard follows the revision to its end
      const { frame } = await frameWithText(page, new RegExp(SAMPLE_OBJECTIVE), 60_000);
      await frame.locator('#current-run[data-status="completed"]').waitFor({ timeout: 60_000 });
      await waitFor(async () => (await frame.locator('vscode-button', { hasText: 'Cancel Run' }).count()) === 0, 60_000, 'the dashboard still offers Cancel Run after the revision ended');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-sent-back.png') });
      ctx.say(`"${label}" clicked: the revised patch is pending in test/users.test.js`);
      if (fs.readFileSync(tests, 'utf8') !== testsBefore) throw new Error('sending back changed test/users.test.js on disk before any accept');
    },
  ],
  [
    'The inline review shows the proposed lines green under the red lines they replace, the file untouched; the diff editor accepts a hunk from its CodeLens and rejects one from its title bar',
    async (ctx) => {
      const { page, folder } = ctx;
      // the revised test patch is pending here (the test above): one changed line and one inserted block
      const file = path.join(folder, 'test/users.test.js');
      const before = fs.readFileSync(file, 'utf8');
      await openFile(page, 'test/users.test.js');
      await runCommand(page, title(ctx, 'codecompanion.reviewInline'));
      await page.locator('.tabs-container .tab.active', { hasText: 'users.test.js' }).waitFor({ timeout: 30_000 });
      let seen: InlineLines = { green: [], red: [] };
      await waitFor(async () => (seen = await inlineLines(page)).green.length > 0 && seen.red.length > 0, 30_000, 'the inline review shows no green or no red line');
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-inline.png') });
      const onDisk = new Set(before.split('\n').map((l) => l.trim()));
      // green lines are the proposal (some text the file does not have yet), red ones are the file's own lines
      if (!seen.green.some((l) => l.trim() && !onDisk.has(l.trim()))) throw new Error(`the green lines are not the proposed code: ${JSON.stringify(seen.green.slice(0, 5))}`);
      if (!seen.red.every((l) => onDisk.has(l.trim()))) throw new Error(`a red line is not a line of the file: ${JSON.stringify(seen.red)}`);
      if (fs.readFileSync(file, 'utf8') !== before) throw new Error('showing the inline review changed test/users.test.js on disk');
      ctx.say(`inline review: ${seen.green.length} green and ${seen.red.length} red line(s) on screen, e.g. + ${JSON.stringify(seen.green.find((l) => l.trim()) ?? '')}`);

      // the same file in the diff editor: its CodeLens (on in diff editors) accepts the first hunk
      const listed = (await reviewHunks(folder)).filter((h) => h.path === 'test/users.test.js');
      if (listed.filter((h) => h.decision === 'pending').length < 2) throw new Error(`expected two hunks pending in test/users.test.js, the CLI lists ${JSON.stringify(listed.map((h) => h.decision))}`);
      await runCommand(page, title(ctx, 'codecompanion.reviewFile'));
      const diff = page.locator('.editor-group-container.active .monaco-diff-editor');
      await diff.waitFor({ timeout: 30_000 });
      // the CodeLens of the proposed side (the original side, the file, has its own: counting both never settles)
      const accepts = diff.locator('.editor.modified .codelens-decoration a', { hasText: /^\s*Accept\s*$/ });
      await accepts.first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-diff.png') });
      // the lens says which hunk it takes ("Accept hunk N of PATCH (...)"): what the file must be once that one hunk is in
      const tooltip = (await accepts.first().getAttribute('title')) ?? '';
      const n = /hunk (\d+) of (\S+)/.exec(tooltip);
      const hunk = n ? listed.filter((h) => h.patchId === n[2])[Number(n[1]) - 1] : undefined;
      if (hunk?.decision !== 'pending') throw new Error(`the diff editor's first Accept names no pending hunk of test/users.test.js: ${JSON.stringify(tooltip)}`);
      const expected = withHunk(before, hunk);
      // VS Code saves a file in place (truncate, then write): watch every state the disk goes through until the accept's
      const states: string[] = [before];
      await diff.locator(`.editor.modified .codelens-decoration a[title="${tooltip.replace(/["\\]/g, '\\$&')}"]`).first().click();
      await waitFor(() => {
        const now = fs.readFileSync(file, 'utf8');
        if (states[states.length - 1] !== now) states.push(now);
        return now === expected;
      }, 60_000, () => `accepting from the diff editor's CodeLens never left test/users.test.js as accepting ${hunk.id} gives (it went ${states.map((t) => `${t.length}`).join(' → ')} chars; ${expected.length} expected)`, 50);
      // and the review says so (the CLI reads the log): accepted, not still being applied
      await waitFor(async () => (await reviewHunks(folder)).find((h) => h.id === hunk.id)?.decision === 'accepted', 60_000, `the review never recorded ${hunk.id} as accepted`, 500);
      ctx.say(`diff editor accept: test/users.test.js on disk went ${states.map((t) => `${t.length} chars`).join(' → ')} (the last is what accepting ${hunk.id} gives)`);
      const accepted = expected;
      // the title bar's Reject the Change at the Cursor takes the hunk left, with a reason; the file stays as the accept left it
      const reject = page.locator('.editor-group-container.active .editor-actions .action-label[aria-label*="Reject the Change at the Cursor"]');
      await reject.first().waitFor({ timeout: 30_000 });
      await reject.first().click();
      await answerPrompt(page, /Why reject/, 'e2e: rejected from the diff editor');
      await waitFor(async () => (await accepts.count()) === 0, 60_000, 'the diff editor still offers Accept after its last hunk was rejected');
      await waitFor(async () => !(await reviewHunks(folder)).some((h) => h.path === 'test/users.test.js' && h.decision !== 'accepted' && h.decision !== 'rejected'), 60_000, 'the review still has a hunk of test/users.test.js undecided after the reject', 500);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-diff-decided.png') });
      if (fs.readFileSync(file, 'utf8') !== accepted) throw new Error('rejecting from the diff editor changed test/users.test.js on disk');
      ctx.say('diff editor: one hunk accepted from its CodeLens (written), the other rejected from its title bar (file left as it was)');
    },
  ],
  [
    'Show Run opens a 10,000-event run in the run panel, drawing only the rows in view; its page is made while the list is open, and closed when nothing is picked',
    async (ctx) => {
      const { page } = ctx;
      // the panel is made behind Show Run's list while the user chooses; Escape leaves no empty panel behind
      const runTab = page.locator('.tabs-container .tab', { hasText: 'CodeCompanion Run' });
      await runCommand(page, title(ctx, 'codecompanion.showRun'));
      await waitForPrompt(page, /Show Run/);
      await runTab.first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Escape');
      await waitFor(async () => (await runTab.count()) === 0, 30_000, 'the run panel made for Show Run\'s list stayed open after the list was dismissed');
      await runCommand(page, title(ctx, 'codecompanion.showRun'));
      await answerPrompt(page, /Show Run/, BIG_RUN_OBJECTIVE);
      const t0 = Date.now();
      // on screen: the panel with the run's first rows (the count says how many of the 10,000); then all rows loaded into the list
      await visibleWebview(page, { selector: '#event-count', text: /^\((\d+ of )?10000\b/, rows: '#event-log [role="listitem"]' }, 60_000);
      const firstMs = Date.now() - t0;
      ctx.measure('runPanelFirstRowsMs', firstMs);
      const panel = await visibleWebview(page, { selector: '#event-count', text: /^\(10000\)$/, rows: '#event-log [role="listitem"]' }, 60_000);
      const shownMs = Date.now() - t0;
      ctx.measure('runPanel10kMs', shownMs);
      const rows = panel.rows;
      // where the time went, on the same clock (ms after the pick; negative: before it): the panel's document started, loaded, first painted
      const doc = await panel.frame.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        const paint = performance.getEntriesByName('first-contentful-paint')[0] ?? performance.getEntriesByName('first-paint')[0];
        // the frame first loads VS Code's empty fake.html (its response and DOMContentLoaded), then the page is written into it
        return { origin: performance.timeOrigin, fake: nav?.responseEnd ?? 0, fakeReady: nav?.domContentLoadedEventEnd ?? 0, loaded: nav?.loadEventEnd ?? 0, painted: paint?.startTime ?? 0 };
      });
      const at = (ms: number) => Math.round(doc.origin + ms - t0);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-run-panel-10k.png') });
      if (rows === 0 || rows > 300) throw new Error(`the run panel drew ${rows} rows for 10,000 events: expected only the rows in view`);
      let reported: string | undefined;
      await waitFor(() => (reported = renderLine(ctx.userDataDir)) !== undefined, 30_000, 'the run panel never reported its render time to the log').catch(() => undefined);
      // a person reads the list before picking: the panel closed, Show Run again, and the pick made 1.5 s
      // after the list is up (a reading time, not a wait for anything), measured the same way
      const shownTab = page.locator('.tabs-container .tab', { hasText: /^\s*Run / });
      await shownTab.first().hover();
      await shownTab.first().locator('.tab-actions .action-label').first().click();
      await waitFor(async () => (await shownTab.count()) === 0, 30_000, 'the run panel did not close from its tab');
      await runCommand(page, title(ctx, 'codecompanion.showRun'));
      await waitForPrompt(page, /Show Run/);
      await page.waitForTimeout(1_500);
      await answerPrompt(page, /Show Run/, BIG_RUN_OBJECTIVE);
      const t1 = Date.now();
      await visibleWebview(page, { selector: '#event-count', text: /^\((\d+ of )?10000\b/, rows: '#event-log [role="listitem"]' }, 60_000);
      const readMs = Date.now() - t1;
      ctx.measure('runPanelFirstRowsAfterReadingMs', readMs);
      ctx.say(`run panel, 10,000 events, picked 1.5 s after the list was up: first rows on screen ${readMs} ms after the pick`);
      ctx.say(`run panel, 10,000 events: first rows on screen ${firstMs} ms, all rows ${shownMs} ms after the run was picked (${rows} rows in the DOM); its page: started ${at(0)} ms, fake.html in ${at(doc.fake)} ms and parsed ${at(doc.fakeReady)} ms, first painted ${doc.painted ? at(doc.painted) : '?'} ms, loaded ${doc.loaded ? at(doc.loaded) : '?'} ms; webview: ${reported ?? 'no report'}`);
    },
  ],
  [
    'The chat box: Attach takes the editor selection as a chip, @ completes a workspace file, Shift+Enter breaks the line, Enter runs it, the run records what it was given, and the run panel\'s Follow Up puts the run in the box',
    async (ctx) => {
      const { page } = ctx;
      // src/users.js is open in a tab since the review tests: a click brings it forward (quick open from
      // inside the run panel's webview, which the test above leaves focused, does not always)
      const tab = page.locator('.tabs-container .tab[data-resource-name="users.js"]');
      if (await tab.count()) {
        await tab.first().click();
        await page.locator('.tabs-container .tab.active[data-resource-name="users.js"]').waitFor({ timeout: 30_000 });
      } else await openFile(page, 'src/users.js');
      await runCommand(page, title(ctx, 'codecompanion.showDashboard'));
      const { frame } = await frameWithText(page, /Enter sends/, 60_000);
      // the first three lines selected in the editor (after the palette: its Escape would drop a selection)
      // the dashboard's page can take the keyboard back just after the click (the keys then went to it, and
      // Attach took the whole file): done again until the status bar says the editor has a selection
      await waitFor(async () => {
        await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
        await page.keyboard.press('Control+Home');
        for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
        // "Ln 4, Col 1 (57 selected)": all three lines (a key the page took leaves fewer, as in CI-C1: "Ln 2, Col 1 (14 selected)")
        return (await page.locator('.statusbar-item', { hasText: /Ln 4, Col 1 \(\d[\d,]* selected\)/ }).count()) > 0;
      }, 60_000, 'the first three lines of src/users.js were never selected in the editor', 500);
      // the workspace's check command is offered once; Not now answers it
      if (await frame.locator('#check-offer:not([hidden])').count()) {
        await frame.locator('#check-decline').click();
        await frame.locator('#check-offer[hidden]').waitFor({ state: 'attached', timeout: 30_000 });
      }
      await frame.locator('#chat-attach').click();
      const chip = frame.locator('#attachments li.chip', { hasText: 'src/users.js:1-3' });
      await chip.waitFor({ timeout: 30_000 });
      const box = frame.locator('#objective');
      await box.click();
      await box.pressSequentially('explain the paging of @users');
      const option = frame.locator('#mention-list li[data-path="src/users.js"]');
      await option.waitFor({ timeout: 30_000 });
      // the open list hides no attachment: the chip's box and the list's do not meet, and the chip is what is drawn at its centre
      const cover = await frame.evaluate(() => {
        const list = document.querySelector('#mention-list')!.getBoundingClientRect();
        return [...document.querySelectorAll('#attachments li.chip')].map((chip) => {
          const r = chip.getBoundingClientRect();
          const overlaps = r.left < list.right && list.left < r.right && r.top < list.bottom && list.top < r.bottom;
          const atCentre = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return { label: chip.textContent ?? '', overlaps, drawn: r.width > 0 && r.height > 0 && !!atCentre && chip.contains(atCentre) };
        });
      });
      if (cover.length === 0) throw new Error('the attachment chip is gone while the @ list is open');
      const hidden = cover.filter((c) => c.overlaps || !c.drawn);
      if (hidden.length) throw new Error(`the @ completion list covers the attachment chips: ${JSON.stringify(hidden)}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-mention.png') });
      await page.keyboard.press('Enter'); // picks the highlighted file, does not send
      await waitFor(async () => (await box.inputValue()).includes('@src/users.js '), 60_000, 'Enter on the completion did not put @src/users.js in the box');
      await page.keyboard.press('Shift+Enter');
      await box.pressSequentially('then add pagination to the users API');
      const typed = await box.inputValue();
      if (!/@src\/users\.js \nthen add pagination/.test(typed)) throw new Error(`Shift+Enter did not start a new line: ${JSON.stringify(typed)}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-box.png') });
      // the run goes slowly enough to try Enter while it goes
      ctx.pace(1500);
      // Enter twice in one go (one task of the webview, so the host cannot have answered in between): the
      // first sends, the second is refused, and the box says so, with the text kept until the host takes it
      const twice = await box.evaluate((el) => {
        // (no named function in here: the page has no helper the test's bundler names functions with)
        for (let i = 0; i < 2; i++) el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
        const state = document.querySelector<HTMLElement>('#chat-state');
        return { said: state && !state.hidden ? state.textContent ?? '' : '', readOnly: (el as HTMLTextAreaElement).readOnly, text: (el as HTMLTextAreaElement).value };
      });
      if (!/Already sending/.test(twice.said) || !twice.readOnly || !twice.text.includes('then add pagination')) throw new Error(`a second Enter while sending was not refused in the box: ${JSON.stringify(twice)}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-already-sending.png') });
      await waitFor(async () => (await box.inputValue()) === '', 60_000, 'the box kept its text after Enter: nothing was sent');
      await waitFor(async () => (await frame.locator('#attachments li').count()) === 0, 30_000, 'the attachment chip stayed after sending');
      await frame.locator('#current-run .objective', { hasText: 'explain the paging of @src/users.js' }).waitFor({ timeout: 60_000 });
      // Enter while the run goes: refused, said in the box, the text kept
      await frame.locator('#current-run[data-status="running"]').waitFor({ timeout: 60_000 });
      await box.fill('also handle page size 0');
      await box.press('Enter');
      await frame.locator('#chat-state:not([hidden])', { hasText: /one run at a time/ }).waitFor({ timeout: 30_000 });
      if ((await box.inputValue()) !== 'also handle page size 0') throw new Error(`Enter during a run lost the box's text: ${JSON.stringify(await box.inputValue())}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-run-going.png') });
      await box.fill('');
      ctx.pace(0);
      await frame.locator('#current-run[data-status="completed"]').waitFor({ timeout: 120_000 });
      // the run's first event names what it was given
      await runCommand(page, title(ctx, 'codecompanion.showRun'));
      await answerPrompt(page, /Show Run/, 'explain the paging');
      const panel = await frameWithText(page, /attached src\/users\.js:1-3 \(\d[\d,]* chars\), src\/users\.js \(/, 60_000);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-run-given.png') });
      // a follow-up from the run panel: the box says which run the next objective follows up
      await panel.frame.locator('#panel-follow-up').click();
      await frame.locator('#follow-up:not([hidden])', { hasText: 'explain the paging of @src/users.js' }).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-chat-follow-up.png') });
      ctx.say(`chat box: run started from the box with ${/attached [^\n]*/.exec(panel.text)?.[0] ?? '?'}`);
    },
  ],
  [
    'Show in File lays the proposed lines over the file\'s own buffer, green under red; a save writes the file without them; Accept from the CodeLens writes exactly that hunk',
    async (ctx) => {
      const { page, folder } = ctx;
      // the file with the most pending hunks (the tests above decide some, the chat box's run proposes more), as the CLI lists them
      let rel = await filePendingMost(folder).catch(() => undefined);
      if (!rel) {
        // the tests above decided every hunk: the sample's files as they were, and the sample objective run again on them
        for (const f of ['src/users.js', 'src/server.js', 'test/users.test.js']) fs.copyFileSync(path.join(SAMPLE_WORKSPACE, f), path.join(folder, f));
        await runCommand(page, title(ctx, 'codecompanion.runObjective'));
        await answerPrompt(page, OBJECTIVE_PROMPT, SAMPLE_OBJECTIVE);
        await waitFor(async () => (rel = await filePendingMost(folder).catch(() => undefined)) !== undefined, 180_000, 'the sample run proposed no change to a file of the sample', 1000);
      }
      if (!rel) throw new Error('no file to show proposed lines in');
      const name = path.basename(rel);
      const file = path.join(folder, rel);
      const before = fs.readFileSync(file, 'utf8');
      // VS Code in the browser saves a second after each change by default, which would take the lines out at once: this workspace saves on Ctrl+S
      const settings = path.join(folder, '.vscode/settings.json');
      fs.mkdirSync(path.dirname(settings), { recursive: true });
      fs.writeFileSync(settings, JSON.stringify({ ...(fs.existsSync(settings) ? (JSON.parse(fs.readFileSync(settings, 'utf8')) as object) : {}), 'files.autoSave': 'off' }, null, 2));
      // a tab of the file, if the tests above left one, is brought forward with a click (quick open from a focused webview does not always take the keys)
      const tab = page.locator(`.tabs-container .tab[data-resource-name="${name}"]`);
      if (await tab.count()) await tab.first().click();
      else await openFile(page, rel);
      await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor({ timeout: 30_000 });
      const show = codeLenses(page, /Show in File/);
      const onDisk = new Set(before.split('\n').map((l) => l.trim()));
      // green: some line the file does not have yet (the decorations come line by line as the editor draws)
      const proposedShown = (rows: readonly ColouredRow[]) => rows.some((r) => r.colour === 'green' && r.text.trim() && !onDisk.has(r.text.trim()));
      let rows: ColouredRow[] = [];
      // a CodeLens redrawn under the pointer (the file was just reloaded, the review just changed) can miss a click: click again while it still says Show
      const until = Date.now() + 90_000;
      for (;;) {
        await show.first().waitFor({ timeout: 30_000 });
        await show.first().click();
        const shown = await waitFor(async () => proposedShown((rows = await colouredRows(page))) && rows.some((r) => r.colour === 'red'), 15_000, '').then(() => true, () => false);
        if (shown) break;
        const said = (await page.locator('.notifications-toasts').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300);
        if (Date.now() > until || (await codeLenses(page, /Hide Proposed Lines/).count()) > 0) throw new Error(`the file's editor shows no proposed green line or no red line after Show in File; notifications: ${JSON.stringify(said)}`);
      }
      // the file's own editor (its tab, not a review document), marked unsaved, and the disk untouched
      await page.locator(`.tabs-container .tab.active.dirty[data-resource-name="${name}"]`).waitFor({ timeout: 30_000 });
      if ((await page.locator('.editor-group-container.active .monaco-diff-editor').count()) > 0) throw new Error('Show in File opened a diff editor, not the file');
      await codeLenses(page, /Hide Proposed Lines/).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-in-file.png') });
      const green = rows.filter((r) => r.colour === 'green').map((r) => r.text);
      const red = rows.filter((r) => r.colour === 'red').map((r) => r.text);
      const proposedOnly = green.filter((l) => l.trim() && !onDisk.has(l.trim()));
      if (proposedOnly.length === 0) throw new Error(`the green lines are not the proposed code: ${JSON.stringify(green.slice(0, 5))}`);
      if (!red.every((l) => onDisk.has(l.trim()))) throw new Error(`a red line is not a line of the file: ${JSON.stringify(red)}`);
      if (fs.readFileSync(file, 'utf8') !== before) throw new Error(`showing the proposed lines in the file changed ${rel} on disk`);
      ctx.say(`in the file: ${green.length} green and ${red.length} red line(s) in ${rel}'s own editor, e.g. + ${JSON.stringify(proposedOnly[0])}`);

      // Ctrl+S: the save writes the file without the proposed lines, and the overlay ends with it
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+S');
      await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]:not(.dirty)`).waitFor({ timeout: 60_000 });
      await waitFor(async () => !(await colouredRows(page)).some((r) => r.colour === 'green'), 60_000, 'the green lines stayed in the editor after the save');
      const saved = fs.readFileSync(file, 'utf8');
      if (saved !== before) throw new Error(`the save wrote proposed lines to ${rel}: ${JSON.stringify(proposedOnly.filter((l) => saved.includes(l.trim())).slice(0, 3))}`);

      // on again; Accept on the first hunk writes exactly that hunk, and the lines left are shown again
      await show.first().waitFor({ timeout: 30_000 });
      await show.first().click();
      await waitFor(async () => proposedShown((rows = await colouredRows(page))), 60_000, 'the proposed lines did not come back after Show in File');
      await codeLenses(page, /Hide Proposed Lines/).first().waitFor({ timeout: 30_000 });
      rows = await colouredRows(page);
      const first = firstBlock(rows);
      // the topmost hunk's Accept (CodeLens widgets are not in line order in the DOM)
      const accepts = codeLenses(page, /^\s*Accept\s*$/);
      const tops = await Promise.all((await accepts.all()).map(async (l) => (await l.boundingBox())?.y ?? Infinity));
      await accepts.nth(tops.indexOf(Math.min(...tops))).click();
      // the disk is the file with that hunk alone (VS Code saves in place: a read may see the file mid-write, so wait for it)
      const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((l, i) => l.trim() === b[i]!.trim());
      const exactlyFirst = (text: string) => {
        const changed = splitHunks('e2e', before.split('\n'), text.split('\n'));
        return changed.length === 1 && same(changed[0]!.oldLines, first.red) && same(changed[0]!.newLines, first.green);
      };
      let after = before;
      await waitFor(() => exactlyFirst((after = fs.readFileSync(file, 'utf8'))), 60_000, `${rel} on disk never became the file with the accepted hunk alone (-${JSON.stringify(first.red)} +${JSON.stringify(first.green)}): ${JSON.stringify(splitHunks('e2e', before.split('\n'), fs.readFileSync(file, 'utf8').split('\n')).map((h) => ({ old: h.oldLines, new: h.newLines })))}`);
      await page.screenshot({ path: path.join(ctx.artifacts, 'ui-review-in-file-accepted.png') });
      // the hunks left are laid over the file again (a saved file), and the disk keeps only the accepted one
      // (or, with none left that still applies, the file is clean and has no hunk CodeLens)
      const clean = page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]:not(.dirty)`);
      let relaid = false;
      await waitFor(async () => (relaid = proposedShown(await colouredRows(page))) || ((await clean.count()) > 0 && (await codeLenses(page, /^\s*Accept\s*$/).count()) === 0), 60_000, 'the hunks left were not shown in the file again after the accept');
      if (relaid) {
        if (fs.readFileSync(file, 'utf8') !== after) throw new Error(`showing the hunks left changed ${rel} on disk`);
        const hide = codeLenses(page, /Hide Proposed Lines/);
        await hide.first().click();
        await waitFor(async () => !(await colouredRows(page)).some((r) => r.colour === 'green'), 60_000, 'the green lines stayed after Hide Proposed Lines');
      }
      await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]:not(.dirty)`).waitFor({ timeout: 60_000 });
      if (fs.readFileSync(file, 'utf8') !== after) throw new Error(`hiding the proposed lines changed ${rel} on disk`);
      ctx.say(`in the file: saved without the proposed lines; one hunk accepted from its CodeLens (-${first.red.length} +${first.green.length}), the rest shown again, then hidden (file clean)`);
    },
  ],
];

interface InlineLines {
  readonly green: string[];
  readonly red: string[];
}

/**
 * The text of the lines the active editor draws with a green or red whole-line background: each
 * decoration is a div in Monaco's view overlays at the same top as its view line.
 */
async function inlineLines(page: Page): Promise<InlineLines> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const out = { green: [] as string[], red: [] as string[] };
    if (!editor) return out;
    const lineAt = new Map<string, string>();
    for (const l of editor.querySelectorAll<HTMLElement>('.view-lines .view-line')) lineAt.set(l.style.top, (l.textContent ?? '').replace(/\u00a0/g, ' '));
    for (const row of editor.querySelectorAll<HTMLElement>('.view-overlays > div')) {
      for (const d of row.querySelectorAll<HTMLElement>('.cdr')) {
        const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(d).backgroundColor);
        if (!m) continue;
        const [r, g, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
        const text = lineAt.get(row.style.top);
        if (text === undefined) continue;
        if (g > r && g > b) out.green.push(text);
        else if (r > g && r > b) out.red.push(text);
      }
    }
    return out;
  });
}

interface ColouredRow {
  readonly top: number;
  readonly text: string;
  readonly colour: 'green' | 'red';
}

/** The active editor's lines drawn with a green or red whole-line background, top to bottom. */
async function colouredRows(page: Page): Promise<ColouredRow[]> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const out: Array<{ top: number; text: string; colour: 'green' | 'red' }> = [];
    if (!editor) return out;
    const lineAt = new Map<string, string>();
    for (const l of editor.querySelectorAll<HTMLElement>('.view-lines .view-line')) lineAt.set(l.style.top, (l.textContent ?? '').replace(/\u00a0/g, ' '));
    for (const row of editor.querySelectorAll<HTMLElement>('.view-overlays > div')) {
      const text = lineAt.get(row.style.top);
      if (text === undefined) continue;
      const full = row.getBoundingClientRect().width;
      for (const d of row.querySelectorAll<HTMLElement>('.cdr')) {
        // whole-line backgrounds only: a bracket match or a word highlight is green or red too, but small
        if (d.getBoundingClientRect().width < full / 2) continue;
        const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(d).backgroundColor);
        if (!m) continue;
        const [r, g, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
        if (g > r && g > b) out.push({ top: parseFloat(row.style.top), text, colour: 'green' });
        else if (r > g && r > b) out.push({ top: parseFloat(row.style.top), text, colour: 'red' });
      }
    }
    return out.sort((a, b) => a.top - b.top);
  });
}

/** The first hunk on screen: its red lines, then the green lines right under them. */
function firstBlock(rows: readonly ColouredRow[]): { red: string[]; green: string[] } {
  const red: string[] = [];
  const green: string[] = [];
  const steps = rows.slice(1).map((r, i) => r.top - rows[i]!.top).filter((d) => d > 0);
  const lineHeight = steps.length ? Math.min(...steps) : 0;
  for (const [i, r] of rows.entries()) {
    // a red line after green ones, or a gap, starts the next hunk
    if ((r.colour === 'red' && green.length) || (i > 0 && r.top - rows[i - 1]!.top > lineHeight)) break;
    (r.colour === 'red' ? red : green).push(r.text);
  }
  return { red, green };
}

/** The modified file with the most pending hunks, as the CLI lists them (read beside the window, as a user would). */
async function filePendingMost(folder: string): Promise<string> {
  const byFile = new Map<string, number>();
  for (const h of await reviewHunks(folder)) if (h.action === 'modify' && h.decision === 'pending') byFile.set(h.path, (byFile.get(h.path) ?? 0) + 1);
  const best = [...byFile].sort((a, b) => b[1] - a[1])[0];
  if (!best) throw new Error('no modified file has a pending hunk for this test');
  return best[0];
}

function logsContain(userDataDir: string, pattern: RegExp): boolean {
  const logs = path.join(userDataDir, 'logs');
  const files = fs.existsSync(logs) ? (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith('.log')) : [];
  return files.some((f) => pattern.test(fs.readFileSync(path.join(logs, f), 'utf8')));
}

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

/** Polls `cond` every `every` ms (a polling interval, not a wait for something) until it holds, or throws at the ceiling. */
async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, message: string | (() => string), every = 200): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(typeof message === 'string' ? message : message());
    await new Promise((r) => setTimeout(r, every));
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
    // each number with the load average (1 min, this machine) when it was taken: README prints both
    const measures: Record<string, { ms: number; load1m: number }> = {};
    const ctx: UiContext = { page, folder: o.folder, artifacts: o.artifacts, titles: commandTitles(o.extensionDir), userDataDir: o.userDataDir, say: o.say, pace: o.pace, measure: (name, value) => (measures[name] = { ms: value, load1m: Number(os.loadavg()[0]!.toFixed(2)) }) };
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
    fs.writeFileSync(path.join(o.artifacts, 'ui-measures.json'), JSON.stringify(measures, null, 2));
    o.say(`measures: ${JSON.stringify(measures)}`);
  } finally {
    await browser.close();
  }
  return results;
}
