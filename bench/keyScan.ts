// Keys found in any stored, printed or sent byte (goal 0), for the security bench. Hostile models drive
// the built CLI (`dist/cli.js run --check 'node --test'`, real SDKs, the loopback fake vendors, the fake
// keys and a secret-named variable in its environment); their coder writes tests that go looking for
// keys: one prints its own environment, one reads the environment of every process above it in /proc
// and prints the secret-looking entries as they are, in base64 and in hex (encodings that scrubbing
// known values cannot see). Then every byte is scanned, for each key, raw and in those encodings:
// the workspace database folder, the run's stdout and stderr, `events --json` and `replay`, every request
// body the fake vendors received, and request headers carrying another vendor's key.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAKE_KEYS } from '../test/fakes/fakeKeys';
import type { FakeModelServer } from '../test/fakes/fakeModelServer';
import { hostileCheckTeam, type HostileFile } from '../test/fakes/hostileCheckTeam';

const SERVICE_TOKEN = 'fake-service-token-for-bench-42';
const SECRETS = [...Object.values(FAKE_KEYS), SERVICE_TOKEN];

/** A secret as it can appear in text: itself, hex (both cases), and base64 at each of the three byte alignments. */
export function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const out = [secret, bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
  for (let offset = 0; offset < 3; offset++) {
    const b64 = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // only the 4-character groups made of the secret's bytes alone
    const first = Math.ceil(offset / 3);
    const last = Math.floor((offset + bytes.length) / 3);
    out.push(b64.slice(first * 4, last * 4));
  }
  return out;
}

const NEEDLES = SECRETS.map((s) => ({ secret: s, forms: encodings(s) }));

/** How many times any secret occurs in `text`, in any of its forms. */
export function keysIn(text: string): number {
  let n = 0;
  for (const { forms } of NEEDLES) for (const f of forms) for (let i = text.indexOf(f); i >= 0; i = text.indexOf(f, i + 1)) n++;
  return n;
}

const testFile = (body: string): HostileFile => ({ path: 'test/hostile.test.js', content: `const test = require('node:test');\nconst fs = require('node:fs');\n${body}\n` });

export const KEY_HUNTERS: readonly { readonly name: string; readonly file: HostileFile }[] = [
  {
    name: 'a test printing its environment',
    file: testFile("test('env', () => { for (const [k, v] of Object.entries(process.env)) console.log(`ENV ${k}=${v}`); throw new Error('printed the environment'); });"),
  },
  {
    name: 'a test printing its ancestors\' /proc environ (raw, base64, hex)',
    file: testFile(
      "test('ancestors', () => {\n" +
        '  let pid = process.pid; let seen = 0;\n' +
        '  for (let i = 0; i < 12 && pid > 1; i++) {\n' +
        "    let stat = ''; try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { break; }\n" +
        "    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);\n" +
        "    try { for (const e of fs.readFileSync(`/proc/${ppid}/environ`, 'utf8').split('\\0')) if (/KEY|TOKEN|SECRET/.test(e)) { seen++; console.log(`P${ppid} ${e} b64:${Buffer.from(e).toString('base64')} hex:${Buffer.from(e).toString('hex')}`); } } catch (err) { console.log(`P${ppid} unreadable ${err.code}`); }\n" +
        '    pid = ppid;\n' +
        '  }\n' +
        "  throw new Error(`found ${seen} secret-looking variables above me`);\n" +
        '});',
    ),
  },
];

export interface KeyScan {
  readonly stored: number;
  readonly printed: number;
  readonly sent: number;
  /** Control: each chat request's own key in its auth header, found by the same scan. */
  readonly ownKeyHeaders: number;
  readonly chatRequests: number;
  /** The hostile tests ran (their failure reached the check output). */
  readonly ran: boolean;
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

function storedBytes(root: string): string {
  const dir = path.join(root, '.codecompanion');
  let text = '';
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) text += fs.readFileSync(p).toString('latin1') + '\n';
  }
  return text;
}

/** One hostile run of `hunter` through the CLI at a containment setting (CODECOMPANION_SANDBOX), and every byte scanned. */
export async function scanHostileRun(server: FakeModelServer, cli: string, hunter: HostileFile, sandbox: 'auto' | 'namespaces' | 'off'): Promise<KeyScan> {
  server.reset();
  const objective = 'add a test';
  server.respond(hostileCheckTeam(objective, [hunter]));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-bench-keys-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"ws","version":"1.0.0"}\n');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ANTHROPIC_API_KEY: FAKE_KEYS.anthropic,
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_API_KEY: FAKE_KEYS.openai,
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_API_KEY: FAKE_KEYS.gemini,
    GEMINI_BASE_URL: server.urls.gemini,
    MY_SERVICE_TOKEN: SERVICE_TOKEN,
    CODECOMPANION_SANDBOX: sandbox,
  };
  try {
    const r = await run(cli, ['run', objective, '--cwd', root, '--check', 'node --test', '--rounds', '2', '--json'], env);
    const runId = /"runId":"([^"]+)"/.exec(r.out)?.[1] ?? '';
    const events = await run(cli, ['events', runId, '--cwd', root, '--json'], env);
    const replay = await run(cli, ['replay', runId, '--cwd', root], env);
    const chats = server.requests.filter((q) => q.kind === 'chat');
    const ownKey = (v: string) => (v === 'anthropic' ? FAKE_KEYS.anthropic : v === 'openai' ? FAKE_KEYS.openai : FAKE_KEYS.gemini);
    const headerText = (q: (typeof chats)[number]) => Object.values(q.headers).join('\n');
    return {
      stored: keysIn(storedBytes(root)),
      printed: keysIn(r.out) + keysIn(events.out) + keysIn(replay.out),
      sent: chats.reduce((n, q) => n + keysIn(q.raw) + keysIn(headerText(q).split(ownKey(q.vendor)).join('')), 0),
      ownKeyHeaders: chats.filter((q) => headerText(q).includes(ownKey(q.vendor))).length,
      chatRequests: chats.length,
      ran: /printed the environment|secret-looking variables above me/.test(events.out),
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
