// What a user does in the workbench, as playwright steps: the command palette, quick inputs, quick
// open, and text inside webviews (each webview is an iframe nested in another).
import type { Frame, Locator, Page } from 'playwright-core';

export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 90_000 });
}

/**
 * F1, type the title, Enter on the matching row; returns when Enter was pressed (Date.now()). The
 * extension's commands appear only once the extension host has read the contributions, so the
 * palette is retried until the row shows. Every wait is on a condition, under a generous ceiling.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    if (await row.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
      await page.keyboard.press('Enter');
      return Date.now();
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

/** Waits until a quick input whose prompt matches is open (the command palette is not one); returns when it showed. */
export async function waitForPrompt(page: Page, prompt: RegExp, timeoutMs = 90_000): Promise<{ shownAt: number; text: string }> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const text = (await quickInputPrompt(page).catch(() => undefined)) ?? '';
    const value = await page.locator('.quick-input-widget input').inputValue().catch(() => '');
    if (text && prompt.test(text) && !value.startsWith('>')) return { shownAt: Date.now(), text };
    if (text) last = text;
    if (Date.now() > until) throw new Error(`no prompt matching ${prompt} within ${timeoutMs} ms; last quick input: ${JSON.stringify(last.slice(0, 200))}`);
    await page.waitForTimeout(50); // a polling interval, not a wait for something
  }
}

/**
 * Answers one prompt: waits for it (generous ceiling), types the text ('' keeps the default or the
 * first item), Enter, and waits until that prompt has gone. Returns when the prompt showed.
 */
export async function answerPrompt(page: Page, prompt: RegExp, text: string, timeoutMs = 90_000): Promise<{ shownAt: number; text: string }> {
  const shown = await waitForPrompt(page, prompt, timeoutMs);
  const input = page.locator('.quick-input-widget input');
  if (text) await input.fill(text);
  await page.keyboard.press('Enter');
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const now = await quickInputPrompt(page).catch(() => undefined);
    if (now === undefined || now !== shown.text) return shown;
    await page.waitForTimeout(50);
  }
  throw new Error(`the prompt ${JSON.stringify(shown.text.slice(0, 80))} stayed open after Enter`);
}

/** Ctrl+P, the workspace-relative path, Enter; waits for the editor tab. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(relPath);
  const name = relPath.split('/').pop()!;
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
}

/**
 * The first webview frame that is on screen (VS Code's webview host shows a page by making its frame
 * visible) with an element matching `selector` whose text matches, and at least one `rows` element
 * when given; polls every 50 ms, all frames at once, so a time measured with it is close to what a
 * user sees. A frame busy running a script answers only when done, as it would draw only then.
 */
export async function visibleWebview(page: Page, o: { selector: string; text: RegExp; rows?: string }, timeoutMs: number): Promise<{ frame: Frame; text: string; rows: number }> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    const seen = await Promise.all(
      frames.map((frame) =>
        frame
          .evaluate(({ selector, rows }) => {
            const el = document.querySelector(selector);
            if (!el) return undefined;
            // the webview host's frame element (same origin); hidden while the page is still loading
            const host = window.frameElement as HTMLElement | null;
            const visible = !host || getComputedStyle(host).visibility === 'visible';
            return { text: el.textContent ?? '', visible, rows: rows ? document.querySelectorAll(rows).length : 0 };
          }, { selector: o.selector, rows: o.rows })
          .then((r) => (r ? { frame, ...r } : undefined), () => undefined),
      ),
    );
    for (const s of seen) {
      if (!s) continue;
      last = `${s.text}${s.visible ? '' : ' (hidden)'}`;
      if (s.visible && o.text.test(s.text) && (!o.rows || s.rows > 0)) return { frame: s.frame, text: s.text, rows: s.rows };
    }
    if (Date.now() > until) throw new Error(`no webview on screen showed ${o.selector} matching ${o.text} within ${timeoutMs} ms; last: ${JSON.stringify(last.slice(0, 200))}`);
    await page.waitForTimeout(50); // a polling interval, not a wait for something
  }
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
