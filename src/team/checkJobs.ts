// Check jobs: a run's check command (model-written tests) run by a team worker started with
// --allow-check. What the worker needs to reproduce the staged workspace travels in the job as a
// size-limited archive of the staged files (not a base revision plus a patch: a worker then needs no
// clone of the repository, no git, and no revision the orchestrator's machine has not pushed).
// The archive is what the local check copies into its scratch folder: the workspace with the run's
// accepted patches and the candidate patch on top, without .git, .codecompanion and node_modules
// (a worker mounts its own dependencies folder, `worker --check-deps DIR`, when the check needs one).
//
// Packed: gzip of a JSON list of files (path, executable bit, base64 content) and links (kept only
// when they stay inside the folder). Limits: MAX_CHECK_ARCHIVE_BYTES packed, MAX_CHECK_UNPACKED_BYTES
// unpacked, MAX_CHECK_FILES entries; past one, the orchestrator fails the check with a line that says
// which and what to do, and a worker refuses the job the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { z } from 'zod';
import type { WorkspaceView } from '../core/orchestrator/workspaceView';
import type { PatchPlan } from '../core/patch/planPatch';
import { walkWorkspace } from '../core/sandbox/scratchCopy';
import { JobError } from './jobsQueue';

/** The gzip archive of the staged workspace a check job carries (its base64 is ~4/3 of this). */
export const MAX_CHECK_ARCHIVE_BYTES = 5 * 1024 * 1024;
/** What the archive may unpack to (a gzip bomb stops here). */
export const MAX_CHECK_UNPACKED_BYTES = 64 * 1024 * 1024;
export const MAX_CHECK_FILES = 20_000;

const RelPathSchema = z
  .string()
  .min(1)
  .max(1_000)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), 'a path must stay inside the folder');

const ArchiveSchema = z.object({
  files: z.array(z.object({ p: RelPathSchema, x: z.boolean(), d: z.string() })),
  links: z.array(z.object({ p: RelPathSchema, l: z.string().min(1).max(1_000) })),
});
type Archive = z.infer<typeof ArchiveSchema>;

export const CheckJobSchema = z.object({
  kind: z.literal('check'),
  /** Run id + patch id: unique per check, the key of its results stream and of its idempotency. */
  callKey: z.string().min(1).max(300).regex(/^[\w.:/-]+$/),
  command: z.string().min(1).max(2_000),
  timeoutMs: z.number().int().positive().max(24 * 3600_000),
  /** base64 of the gzip archive of the staged workspace. */
  archive: z.string().max(Math.ceil((MAX_CHECK_ARCHIVE_BYTES * 4) / 3) + 4),
});
export type CheckJob = z.infer<typeof CheckJobSchema>;

/**
 * Packs the staged workspace (the files on disk by the scratch copy's rules, the run's staged patches
 * and `plan` on top) straight into the archive, in memory: no scratch folder is written and removed
 * on the orchestrator's disk per check. Throws a JobError past a limit.
 */
export function packWorkspace(view: WorkspaceView, plan?: PatchPlan): Buffer {
  const files = new Map<string, { x: boolean; d: Buffer }>();
  const links = new Map<string, string>();
  let unpacked = 0;
  const count = () => {
    if (files.size + links.size >= MAX_CHECK_FILES) throw new JobError(`the staged workspace has more than ${MAX_CHECK_FILES} files, the limit of a check job: run the check locally (without --remote-checks)`);
  };
  const add = (rel: string, data: Buffer, x: boolean) => {
    unpacked += data.length - (files.get(rel)?.d.length ?? 0);
    if (unpacked > MAX_CHECK_UNPACKED_BYTES) throw new JobError(`the staged workspace is past ${mib(MAX_CHECK_UNPACKED_BYTES)} MiB, the limit of a check job: run the check locally (without --remote-checks)`);
    files.set(rel, { x, d: data });
  };
  walkWorkspace(view.root, {
    folder: () => undefined,
    file: (rel, from) => {
      count();
      add(rel, fs.readFileSync(from), (fs.statSync(from).mode & 0o111) !== 0);
    },
    link: (rel, target) => {
      count();
      links.set(rel, target);
    },
  }, { dependencies: false });
  for (const [rel, text] of view.changes(plan)) {
    if (text === null) {
      files.delete(rel);
      links.delete(rel);
      continue;
    }
    // as a write into the scratch copy does: through a link to a file of the copy, keeping its mode
    const through = links.has(rel) ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), links.get(rel)!)) : rel;
    const at = files.has(through) ? through : rel;
    if (at === rel) {
      links.delete(rel);
      if (!files.has(rel)) count();
    }
    add(at, Buffer.from(text), files.get(at)?.x ?? false);
  }
  const archive: Archive = {
    files: [...files].sort(([a], [b]) => a.localeCompare(b)).map(([p, f]) => ({ p, x: f.x, d: f.d.toString('base64') })),
    links: [...links].sort(([a], [b]) => a.localeCompare(b)).map(([p, l]) => ({ p, l })),
  };
  const packed = zlib.gzipSync(JSON.stringify(archive));
  if (packed.length > MAX_CHECK_ARCHIVE_BYTES) throw new JobError(`the staged workspace packs to ${mib(packed.length)} MiB, past the ${mib(MAX_CHECK_ARCHIVE_BYTES)} MiB limit of a check job: run the check locally (without --remote-checks)`);
  return packed;
}

/**
 * Unpacks an archive (hostile input: it came through Redis) into an empty folder. Paths are checked
 * by the schema, files are written before any link exists and never over an existing entry, and a
 * link is kept only if it points inside the folder; the others are returned as refused.
 */
export function unpackFolder(packed: Buffer, dir: string): string[] {
  if (packed.length > MAX_CHECK_ARCHIVE_BYTES) throw new JobError(`a check archive of ${mib(packed.length)} MiB is past the ${mib(MAX_CHECK_ARCHIVE_BYTES)} MiB limit`);
  let json: string;
  try {
    json = zlib.gunzipSync(packed, { maxOutputLength: MAX_CHECK_UNPACKED_BYTES * 2 }).toString('utf8');
  } catch (err) {
    throw new JobError(`a check archive does not unpack: ${(err as Error).message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new JobError('a check archive is not the expected JSON');
  }
  const parsed = ArchiveSchema.safeParse(raw);
  if (!parsed.success) throw new JobError(`a check archive does not match the schema: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const { files, links } = parsed.data;
  if (files.length + links.length > MAX_CHECK_FILES) throw new JobError(`a check archive has more than ${MAX_CHECK_FILES} entries`);
  let unpacked = 0;
  for (const f of files) {
    const data = Buffer.from(f.d, 'base64');
    unpacked += data.length;
    if (unpacked > MAX_CHECK_UNPACKED_BYTES) throw new JobError(`a check archive unpacks past ${mib(MAX_CHECK_UNPACKED_BYTES)} MiB`);
    const target = path.join(dir, f.p);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data, { flag: 'wx', mode: f.x ? 0o755 : 0o644 });
  }
  const refused: string[] = [];
  for (const l of links) {
    const at = path.join(dir, l.p);
    const to = path.resolve(path.dirname(at), l.l);
    if (path.isAbsolute(l.l) || !(to === dir || to.startsWith(dir + path.sep))) {
      refused.push(l.p);
      continue;
    }
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.symlinkSync(l.l, at);
  }
  return refused;
}

export function encodeCheckJob(job: CheckJob): string {
  return JSON.stringify(CheckJobSchema.parse(job));
}

export function decodeCheckJob(text: string): CheckJob {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new JobError('a check job is not JSON');
  }
  const parsed = CheckJobSchema.safeParse(raw);
  if (!parsed.success) throw new JobError(`a check job does not match the schema: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
