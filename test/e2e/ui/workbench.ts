// What a user does in the workbench, as playwright steps: the command palette, quick inputs, quick
// open, and text inside webviews (each webview is an iframe nested in another).
import type { Frame, Locator, Page } from 'playwright-core';

export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
}

/**
 * F1, type the title, Enter on the matching row. The extension's commands appear only once the
 * extension host has read the contributions, so the palette is retried until the row shows.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    if (await row.waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
      await page.keyboard.press('Enter');
      // the palette and the command's own quick inputs share one widget: wait until the palette has let go
      await page
        .waitForFunction(() => {
          const i = document.querySelector<HTMLInputElement>('.quick-input-widget input');
          const w = document.querySelector<HTMLElement>('.quick-input-widget');
          return !w || w.style.display === 'none' || !i || !i.value.startsWith('>');
        }, undefined, { timeout: 5_000 })
        .catch(() => undefined);
      return;
    }
    if (Date.now() > until) throw new Error(`the palette never offered "${title}"`);
  }
}

/** The quick input's prompt/title text while it is open, or undefined once it closes. */
export async function quickInputPrompt(page: Page): Promise<string | undefined> {
  const widget = page.locator('.quick-input-widget');
  if (!(await widget.isVisible())) return undefined;
  const parts = await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-message, .quick-input-widget input').evaluateAll((els) =>
    els.map((e) => (e instanceof HTMLInputElement ? `${e.placeholder} ${e.getAttribute('aria-label') ?? ''}` : (e.textContent ?? ''))).join(' | '),
  );
  return parts;
}

/**
 * Answers the quick inputs a command opens, one after another: `answer(prompt)` returns the text to
 * type (or '' to accept the default / first item). Stops when no quick input is open for a moment.
 */
export async function answerQuickInputs(page: Page, answer: (prompt: string) => string, max = 6): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    const visible = await page.locator('.quick-input-widget').waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
    if (!visible) return seen;
    const prompt = (await quickInputPrompt(page)) ?? '';
    seen.push(prompt);
    const text = answer(prompt);
    const input = page.locator('.quick-input-widget input');
    if (text) await input.fill(text);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
  }
  return seen;
}

/** Ctrl+P, the workspace-relative path, Enter; waits for the editor tab. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(relPath);
  const name = relPath.split('/').pop()!;
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 15_000 });
}

/** The first frame (webviews included) whose body text matches, polling until the deadline. */
export async function frameWithText(page: Page, pattern: RegExp, timeoutMs: number): Promise<{ frame: Frame; text: string }> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (text) last = text;
      if (pattern.test(text)) return { frame, text };
    }
    if (Date.now() > until) throw new Error(`no webview showed ${pattern} within ${timeoutMs} ms; last webview text: ${last.slice(0, 400)}`);
    await page.waitForTimeout(300);
  }
}

/** The CodeLens links in the active editor whose text matches. */
export function codeLenses(page: Page, text: RegExp): Locator {
  return page.locator('.editor-group-container.active .contentWidgets .codelens-decoration a, .editor-group-container.active .codelens-decoration a', { hasText: text });
}
