// Real code changes no one here wrote: consecutive published versions of npm packages, fetched with
// `npm pack` when the bench runs (cached under ~/.cache, never committed), compared file by file.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Version chains; each consecutive pair is one release's worth of changes. */
export const PACKAGES: Record<string, readonly string[]> = {
  express: ['4.17.3', '4.18.0', '4.18.1', '4.18.2', '4.19.0', '4.19.2', '4.20.0', '4.21.0', '4.21.1', '4.21.2'],
  commander: ['8.0.0', '8.1.0', '8.2.0', '8.3.0', '9.0.0', '9.1.0', '9.2.0', '9.3.0', '9.4.0', '9.4.1', '9.5.0'],
  semver: ['7.3.5', '7.3.6', '7.3.7', '7.3.8', '7.4.0', '7.5.0', '7.5.1', '7.5.2', '7.5.3', '7.5.4', '7.6.0', '7.6.1'],
  ws: ['8.11.0', '8.12.0', '8.12.1', '8.13.0', '8.14.0', '8.14.1', '8.14.2', '8.15.0', '8.16.0', '8.17.0'],
  koa: ['2.13.4', '2.14.0', '2.14.1', '2.14.2', '2.15.0', '2.15.1'],
  'body-parser': ['1.19.0', '1.19.1', '1.19.2', '1.20.0', '1.20.1', '1.20.2'],
  debug: ['4.3.1', '4.3.2', '4.3.3', '4.3.4', '4.3.5', '4.3.6'],
  qs: ['6.10.3', '6.11.0', '6.11.1', '6.11.2', '6.12.0', '6.12.1'],
};

export interface FileChange {
  /** e.g. express@4.18.0→4.18.1 */
  readonly release: string;
  /** Path inside the package, e.g. lib/router/index.js */
  readonly path: string;
  readonly oldText: string;
  readonly newText: string;
}

const CODE = /\.(js|mjs|cjs|ts|mts|cts)$/;
const MAX_BYTES = 200_000;
const MAX_LINE = 400; // longer lines mean a minified bundle, not code a model edits

export function cacheDir(): string {
  return process.env.CC_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'codecompanion-bench', 'npm');
}

/** Unpacks pkg@version into the cache (once) and returns the package root. */
async function fetchPackage(name: string, version: string): Promise<string> {
  const dir = path.join(cacheDir(), `${name}-${version}`);
  const root = path.join(dir, 'package');
  if (fs.existsSync(path.join(dir, '.complete'))) return root;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { stdout } = await run('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', dir], { cwd: dir, timeout: 120_000 });
  const tarball = path.join(dir, stdout.trim().split('\n').pop()!);
  await run('tar', ['-xzf', tarball, '-C', dir]);
  fs.rmSync(tarball);
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return root;
}

function listFiles(root: string, dir = ''): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : listFiles(root, rel);
    return e.isFile() && CODE.test(e.name) ? [rel] : [];
  });
}

function editable(text: string): boolean {
  return text.length <= MAX_BYTES && !text.includes('\r') && !text.includes('\0') && text.split('\n').every((l) => l.length <= MAX_LINE);
}

/** Every code file that changed between consecutive versions, in a stable order. */
export async function loadCorpus(log: (line: string) => void): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const [name, versions] of Object.entries(PACKAGES)) {
    const roots: string[] = [];
    for (const v of versions) {
      try {
        roots.push(await fetchPackage(name, v));
      } catch (err) {
        log(`  skipped ${name}@${v}: ${(err as Error).message.split('\n')[0]}`);
        roots.push('');
      }
    }
    for (let i = 1; i < versions.length; i++) {
      const [before, after] = [roots[i - 1]!, roots[i]!];
      if (!before || !after) continue;
      const release = `${name}@${versions[i - 1]}→${versions[i]}`;
      for (const file of listFiles(after).sort()) {
        const oldPath = path.join(before, file);
        if (!fs.existsSync(oldPath)) continue;
        const oldText = fs.readFileSync(oldPath, 'utf8');
        const newText = fs.readFileSync(path.join(after, file), 'utf8');
        if (oldText !== newText && editable(oldText) && editable(newText)) changes.push({ release, path: file, oldText, newText });
      }
    }
  }
  return changes;
}
