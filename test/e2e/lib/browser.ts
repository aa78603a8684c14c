// Debian's chromium driven by playwright-core (no browser download), as the client of code-server.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROME_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(profileDir: string): Promise<Browser> {
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(profileDir, 'chromium-')), {
    executablePath: process.env.CC_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROME_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close() };
}

/**
 * The built product honours extensionDevelopmentPath / extensionTestsPath from the URL payload only
 * when developmentOptions.enableSmokeTestDriver is on; code-server has no flag for it, so the page's
 * configuration is amended as the workbench reads it.
 */
export async function enableTestDriver(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const orig = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (this: Element, name: string) {
      const v = orig.call(this, name);
      if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && v) {
        const c = JSON.parse(v);
        c.developmentOptions = { ...(c.developmentOptions ?? {}), enableSmokeTestDriver: true };
        return JSON.stringify(c);
      }
      return v;
    };
  });
}

export function workbenchUrl(base: string, folder: string, payload?: ReadonlyArray<readonly [string, string]>): string {
  const q = `folder=${encodeURIComponent(folder)}${payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  return `${base}/?${q}`;
}

/** A path on the server as the workbench must name it for the Node extension host to load it. */
export function remoteUri(base: string, p: string): string {
  return `vscode-remote://${new URL(base).host}${p}`;
}

export interface ExtensionTestRun {
  readonly exitCode: number | 'timeout';
  readonly log: string[];
}

/**
 * Runs the bundled mocha entry inside the Node extension host of a fresh window; the exit code comes
 * back through window.codeAutomationExit, which the workbench calls when the tests end.
 */
export async function runExtensionTests(o: { base: string; folder: string; extensionDir: string; testsEntry: string; profileDir: string; timeoutMs: number; echo: (line: string) => void }): Promise<ExtensionTestRun> {
  const browser = await launchBrowser(o.profileDir);
  const log: string[] = [];
  try {
    await enableTestDriver(browser.page);
    let done!: (code: number) => void;
    const exited = new Promise<number>((r) => (done = r));
    await browser.page.exposeFunction('codeAutomationExit', (code: number) => done(code));
    browser.page.on('console', (m) => {
      if (m.type() === 'error') return;
      const line = m.text().replace(/%c\s*\w+\s*color:\s*#\w+\s*/g, '');
      log.push(line);
      if (line.includes('[cc-e2e]')) o.echo(line.slice(line.indexOf('[cc-e2e]') + 9));
    });
    const payload = [
      ['extensionDevelopmentPath', remoteUri(o.base, o.extensionDir)],
      ['extensionTestsPath', remoteUri(o.base, o.testsEntry)],
      ['skipWelcome', 'true'],
    ] as const;
    await browser.page.goto(workbenchUrl(o.base, o.folder, payload));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), o.timeoutMs)));
    const exitCode = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    return { exitCode, log };
  } finally {
    await browser.close();
  }
}
