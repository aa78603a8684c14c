// The memory index's bulk bytes (chunk text, embeddings) live beside its database in one append-only
// file, blobs-<generation>.dat, read at offsets: the sql.js image (which a search loads whole) keeps only
// rows pointing into it. File: a 16-byte header ['CCBL'][u32 version][u32 generation][u32 crc32 of
// the 12 bytes before], then records [u32 length][u32 crc32 of the payload][payload].
//
// Crash safety: records are appended and fsync'ed before the transaction that points at them is
// written, so a committed row never points at bytes that are not on disk; a crash in between leaves
// unreferenced bytes at the tail, which nothing reads (compact() drops them with the other dead ones).
// The generation is kept in memory_meta: a blob file of another generation (a leftover, a file from
// another index) is never read. A record whose length, checksum or header does not match is reported
// as damage (DatabaseFileError naming the file), never repaired or skipped.
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { DatabaseFileError, fsyncDir } from './layout';

const MAGIC = 0x4c424343; // 'CCBL' little-endian
const VERSION = 1;
const HEADER = 16;
const RECORD_HEADER = 8;
const MOVE_ASIDE = 'codecompanion db move-aside --memory --yes';
/** memory_meta's key for the generation of the blob file the rows point into. */
export const BLOB_GENERATION_KEY = 'blob_generation';

/** The blob file an image points into is not there (damage, unless the image is stale: StaleMemoryImage). */
export class BlobFileMissing extends DatabaseFileError {
  constructor(file: string) {
    super(file, 'the file is missing, and the index points into it', MOVE_ASIDE);
  }
}

/**
 * A reader's image points into a blob file that a writer has since replaced (a compaction copied the
 * live records to a new generation, snapshotted the rows pointing there, then deleted the old file).
 * Not damage: the reader refreshes (the snapshot names the new generation) and reads again.
 */
export class StaleMemoryImage extends Error {
  constructor(readonly file: string) {
    super(`${file} was replaced by a newer generation after this reader loaded the memory index (a writer compacted it): read again after a refresh`);
    this.name = 'StaleMemoryImage';
  }
}

/** Where a payload is: the offset of its record and the payload's length. */
export interface BlobRef {
  readonly at: number;
  readonly bytes: number;
}

export function blobFileName(generation: number): string {
  return `blobs-${generation.toString(16).padStart(8, '0')}.dat`;
}

/** The blob files in a memory database's folder, by generation. */
export function listBlobFiles(dir: string): { generation: number; path: string }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = /^blobs-([0-9a-f]{8})\.dat$/.exec(n);
    return m ? [{ generation: parseInt(m[1]!, 16), path: path.join(dir, n) }] : [];
  });
}

export function newGeneration(): number {
  return randomInt(1, 0x7fffffff);
}

/** One generation's blob file. Opens the file for each call: nothing is held between calls. */
export class BlobFile {
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly generation: number,
  ) {
    this.path = path.join(dir, blobFileName(generation));
  }

  /** Creates the file (header only, fsync'ed, with its folder) if it does not exist yet. */
  create(): void {
    if (fs.existsSync(this.path)) return;
    fs.mkdirSync(this.dir, { recursive: true });
    const fd = fs.openSync(this.path, 'wx');
    try {
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(MAGIC, 0);
      header.writeUInt32LE(VERSION, 4);
      header.writeUInt32LE(this.generation, 8);
      header.writeUInt32LE(crc32(header.subarray(0, 12)), 12);
      fs.writeSync(fd, header, 0, HEADER, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDir(this.dir);
  }

  /**
   * Appends the payloads at the end of the file and fsyncs it: the refs returned point at bytes on
   * disk. Synchronous, so the caller's reads and the write they lead to stay one stretch.
   */
  append(payloads: readonly Uint8Array[]): BlobRef[] {
    if (payloads.length === 0) return [];
    const fd = this.openChecked('r+');
    try {
      let at = fs.fstatSync(fd).size;
      const refs: BlobRef[] = [];
      const parts: Buffer[] = [];
      for (const p of payloads) {
        const head = Buffer.alloc(RECORD_HEADER);
        head.writeUInt32LE(p.byteLength, 0);
        head.writeUInt32LE(crc32(p), 4);
        parts.push(head, Buffer.from(p.buffer, p.byteOffset, p.byteLength));
        refs.push({ at, bytes: p.byteLength });
        at += RECORD_HEADER + p.byteLength;
      }
      const all = Buffer.concat(parts);
      const start = at - all.length;
      for (let written = 0; written < all.length; ) written += fs.writeSync(fd, all, written, all.length - written, start + written);
      fs.fdatasyncSync(fd);
      return refs;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The payloads at these refs, in order, each checked against its record's length and checksum. */
  read(refs: readonly BlobRef[]): Buffer[] {
    if (refs.length === 0) return [];
    const fd = this.openChecked('r');
    try {
      // sorted by offset and read in runs of neighbours: a matrix of vectors is a few large reads
      const order = refs.map((_, i) => i).sort((a, b) => refs[a]!.at - refs[b]!.at);
      const out: Buffer[] = new Array(refs.length);
      let i = 0;
      while (i < order.length) {
        const first = refs[order[i]!]!;
        let end = first.at + RECORD_HEADER + first.bytes;
        let j = i + 1;
        while (j < order.length && refs[order[j]!]!.at <= end + 4096 && refs[order[j]!]!.at + RECORD_HEADER + refs[order[j]!]!.bytes - first.at <= RUN_BYTES) {
          end = Math.max(end, refs[order[j]!]!.at + RECORD_HEADER + refs[order[j]!]!.bytes);
          j++;
        }
        const buf = Buffer.allocUnsafe(end - first.at);
        const got = readFully(fd, buf, first.at);
        for (let k = i; k < j; k++) {
          const ref = refs[order[k]!]!;
          out[order[k]!] = this.payload(buf, got, ref.at - first.at, ref);
        }
        i = j;
      }
      return out;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every record from the header on, checked: what a status report or a compaction walks. */
  *records(): Generator<{ at: number; payload: Buffer }> {
    const fd = this.openChecked('r');
    try {
      const size = fs.fstatSync(fd).size;
      let at = HEADER;
      const head = Buffer.alloc(RECORD_HEADER);
      while (at + RECORD_HEADER <= size) {
        readFully(fd, head, at);
        const bytes = head.readUInt32LE(0);
        if (at + RECORD_HEADER + bytes > size) return; // a torn tail: an append that was never committed
        const buf = Buffer.allocUnsafe(RECORD_HEADER + bytes);
        readFully(fd, buf, at);
        if (crc32(buf.subarray(RECORD_HEADER)) !== buf.readUInt32LE(4)) return; // the same, or garbage after it
        yield { at, payload: buf.subarray(RECORD_HEADER) };
        at += RECORD_HEADER + bytes;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  size(): number {
    try {
      return fs.statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  private payload(buf: Buffer, got: number, offset: number, ref: BlobRef): Buffer {
    if (offset + RECORD_HEADER + ref.bytes > got) throw this.damaged(`the record at ${ref.at} ends past the end of the file`);
    const length = buf.readUInt32LE(offset);
    if (length !== ref.bytes) throw this.damaged(`the record at ${ref.at} holds ${length} bytes, its row says ${ref.bytes}`);
    const payload = buf.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + length);
    if (crc32(payload) !== buf.readUInt32LE(offset + 4)) throw this.damaged(`the record at ${ref.at} fails its checksum`);
    return payload;
  }

  private openChecked(flags: 'r' | 'r+'): number {
    let fd: number;
    try {
      fd = fs.openSync(this.path, flags);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobFileMissing(this.path);
      throw err;
    }
    try {
      const header = Buffer.alloc(HEADER);
      const got = readFully(fd, header, 0);
      if (got < HEADER || header.readUInt32LE(0) !== MAGIC || crc32(header.subarray(0, 12)) !== header.readUInt32LE(12)) throw this.damaged('its header is damaged');
      if (header.readUInt32LE(4) !== VERSION) throw this.damaged(`version ${header.readUInt32LE(4)}, this CodeCompanion reads ${VERSION}`);
      if (header.readUInt32LE(8) !== this.generation) throw this.damaged(`generation ${header.readUInt32LE(8)}, the index expects ${this.generation}`);
      return fd;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  private damaged(reason: string): DatabaseFileError {
    return new DatabaseFileError(this.path, reason, MOVE_ASIDE);
  }
}

/** Longest single read when gathering neighbouring records. */
const RUN_BYTES = 4 * 1024 * 1024;

function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

type Read = <T>(sql: string, params?: readonly (string | number | null | Uint8Array)[]) => T[];

/** The blob file the rows of this image point into, if any has been written. */
export function currentBlobFile(read: Read, dir: string | undefined): BlobFile | undefined {
  if (dir === undefined) return undefined;
  const g = read<{ value: number }>(`SELECT value FROM memory_meta WHERE key = '${BLOB_GENERATION_KEY}'`)[0]?.value;
  return g === undefined ? undefined : new BlobFile(dir, Number(g));
}

/** A row's text or vector: inline (an index written before the blob file, or one with no folder), or in the blob file. */
export interface MaybeInline {
  readonly inline: Uint8Array | string;
  readonly at: number | null;
  readonly bytes: number | null;
}

/** The payloads of these rows, inline ones as they are; one pass over the blob file for the rest. */
export function payloadsOf(rows: readonly MaybeInline[], file: () => BlobFile | undefined): (Uint8Array | string)[] {
  const out: (Uint8Array | string)[] = rows.map((r) => r.inline);
  const away = rows.flatMap((r, i) => (r.at === null ? [] : [i]));
  if (away.length === 0) return out;
  const blobs = file();
  if (!blobs) throw new DatabaseFileError('memory_meta', 'rows point into a blob file, and none is recorded', MOVE_ASIDE);
  const got = blobs.read(away.map((i) => ({ at: rows[i]!.at!, bytes: rows[i]!.bytes ?? 0 })));
  away.forEach((i, k) => (out[i] = got[k]!));
  return out;
}

export function asText(p: Uint8Array | string): string {
  return typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
}
