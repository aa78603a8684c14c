// Set-up shared by the security tests: a small workspace with an in-workspace link and a
// node_modules dependency, the environment pointing the real SDKs at the fake vendor servers with
// the fake keys, and the three containment modes every hostile case runs under.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containment } from '../../../src/core/sandbox/containment';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import type { FakeModelServer } from '../../fakes/fakeModelServer';

/** Not a provider key, but secret-named: its value must never show either. */
export const SERVICE_TOKEN = 'fake-service-token-for-tests-42';
export const ALL_SECRETS = [...Object.values(FAKE_KEYS), SERVICE_TOKEN];

export const MODES = [
  { name: 'under bubblewrap', env: {} as Record<string, string>, available: () => containment(process.env).level === 'bubblewrap' },
  { name: 'under user namespaces', env: { CODECOMPANION_SANDBOX: 'namespaces' } as Record<string, string>, available: () => containment({ ...process.env, CODECOMPANION_SANDBOX: 'namespaces' }).level === 'namespaces' },
  { name: 'with bubblewrap off', env: { CODECOMPANION_SANDBOX: 'off' } as Record<string, string>, available: () => true },
] as const;

export function hostileWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-sec-'));
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src/mod.js'), 'module.exports = { two: () => 2 };\n');
  fs.mkdirSync(path.join(root, 'real'));
  fs.writeFileSync(path.join(root, 'real/file.txt'), 'real content\n');
  fs.symlinkSync('real', path.join(root, 'alias'));
  fs.mkdirSync(path.join(root, 'node_modules/dep'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules/dep/package.json'), '{"name":"dep","version":"1.0.0","main":"index.js"}\n');
  fs.writeFileSync(path.join(root, 'node_modules/dep/index.js'), 'module.exports = 42;\n');
  return root;
}

/** Every path under root (links as links) with its content, .codecompanion left out: "unchanged" means equal. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.codecompanion') continue;
      const abs = path.join(root, r);
      if (e.isSymbolicLink()) out[r] = `-> ${fs.readlinkSync(abs)}`;
      else if (e.isDirectory()) walk(r);
      else out[r] = fs.readFileSync(abs, 'utf8');
    }
  };
  walk('');
  return out;
}

export function cliEnv(server: FakeModelServer, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ANTHROPIC_API_KEY: FAKE_KEYS.anthropic,
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_API_KEY: FAKE_KEYS.openai,
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_API_KEY: FAKE_KEYS.gemini,
    GEMINI_BASE_URL: server.urls.gemini,
    MY_SERVICE_TOKEN: SERVICE_TOKEN,
    ...extra,
  };
}

/** Which of the secrets occur in `text`. */
export function secretsIn(text: string): string[] {
  return ALL_SECRETS.filter((s) => text.includes(s));
}

/** Every file of the workspace database, as bytes read as text. */
export function databaseBytes(root: string): string {
  const dir = path.join(root, '.codecompanion');
  return fs.readdirSync(dir).map((f) => {
    const p = path.join(dir, f);
    return fs.statSync(p).isFile() ? fs.readFileSync(p).toString('latin1') : '';
  }).join('\n');
}

/** Processes whose command line holds `needle` (a daemon's unique marker). */
export function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

export async function waitFor(condition: () => boolean, ceilingMs: number): Promise<boolean> {
  const end = Date.now() + ceilingMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return condition();
}
