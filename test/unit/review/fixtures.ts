// A workspace holding finished runs whose accepted patches were not applied: what `review` works on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { event, parseEvent, type RunEvent } from '../../../src/core/events';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { openStore } from '../../../src/app/openStore';
import { projectReviews, type ReviewBook } from '../../../src/core/review/reviewProjection';

export const USERS = ['export function list(users) {', '  return users;', '}', '', 'export function get(users, id) {', '  return users.find((u) => u.id === id);', '}', ''].join('\n');
export const CONFIG = ['module.exports = {', '  port: 8080,', '  name: "users",', '};', ''].join('\n');

export const paginate: CodePatch = {
  summary: 'paginate list',
  edits: [
    {
      kind: 'searchReplace',
      path: 'src/users.js',
      blocks: [
        { search: 'export function list(users) {\n  return users;', replace: 'export function list(users, page = 1, size = 10) {\n  return users.slice((page - 1) * size, page * size);' },
        { search: '  return users.find((u) => u.id === id);', replace: '  return users.find((u) => u.id === id) ?? null;' },
      ],
    },
    { kind: 'create', path: 'test/users.test.js', content: 'test("list");\n' },
  ],
};
export const port: CodePatch = { summary: 'port from env', edits: [{ kind: 'searchReplace', path: 'src/config.js', blocks: [{ search: '  port: 8080,', replace: '  port: Number(process.env.PORT ?? 8080),' }] }] };

export function tmpWorkspace(files: Record<string, string> = { 'src/users.js': USERS, 'src/config.js': CONFIG }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-review-'));
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

export function runEvents(objective: string, patches: Record<string, CodePatch>): RunEvent[] {
  const events: RunEvent[] = [
    event('run.started', {
      v: 1,
      objective,
      options: { budgetUsd: null, dailyBudgetUsd: null, allowUnpriced: false, consensus: 'majority', reviewersPerPatch: 1, maxRounds: 2, explore: false, seed: 1, checkCommand: null, checkTimeoutMs: 1000, apply: false },
    }),
  ];
  for (const [taskId, body] of Object.entries(patches)) {
    const patchId = `${taskId}.r1`;
    const artifactId = `${patchId}.coder.out`;
    events.push(
      event('artifact.produced', { kind: 'CodePatch', artifactId, taskId, body }),
      event('patch.proposed', { patchId, taskId, round: 1, artifactId, provider: 'anthropic', model: 'm', files: body.edits.map((e) => e.path) }),
      event('patch.accepted', { patchId, taskId }),
    );
  }
  events.push(event('run.completed', { accepted: Object.keys(patches).length, rejected: 0, applied: 0, costUsd: 0 }));
  return events;
}

export async function seedRun(root: string, runId: string, objective: string, patches: Record<string, CodePatch>): Promise<void> {
  const opened = await openStore(root, 'write', 'test seed');
  try {
    await opened.store.append(runId, runEvents(objective, patches));
  } finally {
    await opened.close();
  }
}

/** The review as a fresh process reads it from the log. */
export async function reviewBook(root: string): Promise<ReviewBook> {
  const opened = await openStore(root, 'read-only', 'test read');
  try {
    return projectReviews((await opened.store.readTypes('review.')).map(parseEvent));
  } finally {
    await opened.close();
  }
}

export function read(root: string, p: string): string | undefined {
  try {
    return fs.readFileSync(path.join(root, p), 'utf8');
  } catch {
    return undefined;
  }
}
