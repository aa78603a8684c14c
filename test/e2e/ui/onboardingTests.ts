// A new user's first minutes, through chromium: no key anywhere and no folder open. Run Objective
// answers with the three ways in before any prompt; "Try the Sample" opens a copy of the sample
// workspace and replays the recorded session (shipped in the .vsix) through the real pipeline,
// and its patches wait in the inline review.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../lib/browser';
import { codeLenses, frameWithText, openFile, openWorkbench, runCommand } from './workbench';
import type { UiResult } from './uiTests';

export async function runOnboardingTests(o: { base: string; extensionDir: string; profileDir: string; artifacts: string; step: <T>(name: string, fn: () => Promise<T>) => Promise<T>; say: (line: string) => void }): Promise<UiResult[]> {
  const manifest = JSON.parse(fs.readFileSync(path.join(o.extensionDir, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string; title: string; category?: string }> } };
  const title = (id: string) => {
    const c = manifest.contributes.commands.find((x) => x.command === id)!;
    return `${c.category}: ${c.title}`;
  };
  const browser = await launchBrowser(o.profileDir);
  const name = 'with no key and no folder, Run Objective offers Set API Key, VS Code models and the sample before any prompt; the sample replays through the pipeline into the inline review';
  try {
    const { page } = browser;
    await o.step('onboarding: open an empty workbench', () => openWorkbench(page, `${o.base}/?ew=true`));
    await o.step(`onboarding: ${name}`, () => walk(page, o, title));
    o.say(`  ok   ${name}`);
    return [{ name, ok: true }];
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    o.say(`  FAIL ${name}: ${error}`);
    await browser.page.screenshot({ path: path.join(o.artifacts, 'onboarding-failure.png') }).catch(() => undefined);
    return [{ name, ok: false, error }];
  } finally {
    await browser.close();
  }
}

async function walk(page: Page, o: { artifacts: string; say: (line: string) => void }, title: (id: string) => string): Promise<void> {
  await runCommand(page, title('codecompanion.runObjective'));
  await page.locator('.notifications-toasts', { hasText: /no model is set up yet/ }).first().waitFor({ timeout: 90_000 });
  const button = (label: string) => page.locator('.notifications-toasts .monaco-button', { hasText: label }).first();
  for (const label of ['Set API Key', "Use VS Code's Models", 'Try the Sample']) {
    await button(label).waitFor({ timeout: 30_000 }).catch(() => {
      throw new Error(`the onboarding message has no "${label}" button`);
    });
  }
  // no prompt came before it
  if (await page.locator('.quick-input-widget').isVisible()) throw new Error('a prompt opened before the onboarding message');
  await page.screenshot({ path: path.join(o.artifacts, 'onboarding-no-key.png') });
  await button('Try the Sample').click();
  // the window reopens on the sample's copy and the run starts by itself
  await page.waitForURL(/folder=.*sample-/, { timeout: 120_000 });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 120_000 });
  o.say(`sample opened: ${decodeURIComponent(new URL(page.url()).searchParams.get('folder') ?? '')}`);
  const done = await frameWithText(page, /\b[1-9]\d* pending\b/, 240_000);
  if (!/add pagination to the users API/.test(done.text)) throw new Error(`the dashboard does not show the sample run: ${done.text.slice(0, 300)}`);
  await page.screenshot({ path: path.join(o.artifacts, 'onboarding-sample-done.png') });
  await openFile(page, 'src/users.js');
  await codeLenses(page, /Accept/).first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(o.artifacts, 'onboarding-sample-review.png') });
  o.say(`sample: replayed with no key; ${/(\d+) pending/.exec(done.text)?.[1]} hunk(s) pending, inline review in src/users.js`);
}
