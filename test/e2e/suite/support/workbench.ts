// What the extension-host tests share: the contract's commands called the way a caller would, the
// review state parsed at the edge, and the workspace's files as they are on disk.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';

export const SAMPLE_OBJECTIVE = 'add pagination to the users API';

const HunkSchema = z.object({ id: z.string(), index: z.number().int(), oldStart: z.number().int(), removed: z.number().int(), added: z.number().int(), decision: z.enum(['pending', 'accepted', 'rejected', 'conflict']), reason: z.string().optional() });
const FileSchema = z.object({ path: z.string(), action: z.string(), hunks: z.array(HunkSchema) });
const PatchSchema = z.object({ patchId: z.string(), files: z.array(FileSchema) });
export const ReviewSummarySchema = z.object({
  runId: z.string(),
  counts: z.object({ pending: z.number(), accepted: z.number(), rejected: z.number(), conflict: z.number() }),
  patches: z.array(PatchSchema),
});
export type ReviewSummary = z.infer<typeof ReviewSummarySchema>;
export interface HunkPick {
  readonly patchId: string;
  readonly file: string;
  readonly action: string;
  readonly hunk: z.infer<typeof HunkSchema>;
}

export async function reviewState(): Promise<ReviewSummary | null> {
  const raw = await vscode.commands.executeCommand<unknown>('codecompanion.internal.reviewState');
  if (raw === undefined || raw === null) return null;
  const r = ReviewSummarySchema.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  if (!r.success) throw new Error(`codecompanion.internal.reviewState answered something unexpected: ${z.prettifyError(r.error)}\n${JSON.stringify(raw).slice(0, 600)}`);
  return r.data;
}

export function hunks(state: ReviewSummary): HunkPick[] {
  return state.patches.flatMap((p) => p.files.flatMap((f) => f.hunks.map((hunk) => ({ patchId: p.patchId, file: f.path, action: f.action, hunk }))));
}

export function root(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test window has no workspace folder');
  return folder.uri.fsPath;
}

/** Every file of the workspace but the extension's own state and editor settings, by relative path. */
export function snapshot(dir = root()): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== '.codecompanion' && r !== '.vscode') walk(r);
      } else out.set(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  return out;
}

export function diffSnapshots(expected: ReadonlyMap<string, string>, actual: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [p, text] of expected) if (!actual.has(p)) out.push(`${p} is missing`);
  else if (actual.get(p) !== text) out.push(`${p} differs:\n--- expected\n${text}\n--- actual\n${actual.get(p)}`);
  for (const p of actual.keys()) if (!expected.has(p)) out.push(`${p} should not exist`);
  return out;
}

/** The code-server phase folder: profile, logs and XDG dirs (set by test/e2e/run.ts). */
export function serverDir(): string {
  const dir = process.env.CC_E2E_SERVER_DIR;
  if (!dir) throw new Error('CC_E2E_SERVER_DIR is not set: run through test/e2e/run.ts');
  return dir;
}

export async function openDocument(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(root(), rel)));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

export async function saveAll(): Promise<void> {
  await vscode.workspace.saveAll(false);
}

export async function eventually(cond: () => boolean | Promise<boolean>, ms: number, message: () => string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(message());
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A run's stored events as JSON lines, read by the CLI in its own read-only process beside the window. */
export async function cliEventLines(runId: string): Promise<string[]> {
  const child = spawn(process.execPath, [process.env.CC_E2E_CLI!, 'events', runId, '--cwd', root(), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': only then has all of stdout been read
  const code = await new Promise((r) => child.on('close', r));
  if (code !== 0) throw new Error(`codecompanion events exited ${code}: ${err.slice(-500)}`);
  return out.split('\n').filter((l) => l.trim());
}
