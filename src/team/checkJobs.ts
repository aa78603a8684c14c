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

/** Packs a scratch copy of the staged workspace; throws a JobError past a limit. */
export function packFolder(dir: string): Buffer {
  const archive: Archive = { files: [], links: [] };
  let unpacked = 0;
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, name);
      if (archive.files.length + archive.links.length >= MAX_CHECK_FILES) throw new JobError(`the staged workspace has more than ${MAX_CHECK_FILES} files, the limit of a check job: run the check locally (without --remote-checks)`);
      if (e.isDirectory()) walk(name);
      else if (e.isSymbolicLink()) archive.links.push({ p: name, l: fs.readlinkSync(full) });
      else if (e.isFile()) {
        const data = fs.readFileSync(full);
        unpacked += data.length;
        if (unpacked > MAX_CHECK_UNPACKED_BYTES) throw new JobError(`the staged workspace is past ${mib(MAX_CHECK_UNPACKED_BYTES)} MiB, the limit of a check job: run the check locally (without --remote-checks)`);
        archive.files.push({ p: name, x: (fs.statSync(full).mode & 0o111) !== 0, d: data.toString('base64') });
      }
    }
  };
  walk('');
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
