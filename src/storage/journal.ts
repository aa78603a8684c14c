// The write-ahead journal: a logical log of committed write transactions, appended with group
// commit. Each batch (everything queued while the previous write+fdatasync was in flight) is one
// frame: [magic 'CCF1'][u32 length][u32 crc32][JSON array of transactions]. A crash can only tear
// the last frame, so a bad frame with no valid frame after it is a torn tail (cut); a bad frame
// followed by a valid one is corruption (refused, never cut: the frames after it were acknowledged).
// Transactions carry a number so records already folded into a snapshot are skipped on replay.
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { SqlStatement, SqlValue } from './database';

export const JOURNAL_MAGIC = Buffer.from('CCJOURNAL2\n');
const FRAME_MAGIC = Buffer.from('CCF1');
const FRAME_HEADER = 12;
/** A length beyond this is garbage, not a frame. */
const MAX_FRAME = 512 * 1024 * 1024;

export interface JournalRecord {
  readonly tx: number;
  readonly statements: readonly SqlStatement[];
}

export interface JournalScan {
  readonly records: JournalRecord[];
  /** Byte offset just past the last valid frame. */
  readonly validEnd: number;
  /** Bytes after validEnd that hold no valid frame (a torn tail). */
  readonly tornBytes: number;
  /** Set when a damaged frame is followed by a valid one: the file is corrupt, not torn. */
  readonly corruptAt?: number;
}

type EncodedValue = number | string | null | { b: string };

/** One transaction as JSON text; frames join these, so the cost is paid once, at write(). */
export function encodeRecord(record: JournalRecord): string {
  return JSON.stringify({ tx: record.tx, s: record.statements.map((s) => [s.sql, (s.params ?? []).map(encodeValue)]) });
}

export function encodeFrame(records: readonly string[]): Buffer {
  const payload = Buffer.from(`[${records.join(',')}]`);
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  FRAME_MAGIC.copy(header, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

function encodeValue(v: SqlValue): EncodedValue {
  if (v instanceof Uint8Array) return { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot store the number ${v}: only finite numbers survive the journal`);
  return v;
}

function decodeValue(v: EncodedValue): SqlValue {
  return v !== null && typeof v === 'object' ? new Uint8Array(Buffer.from(v.b, 'base64')) : v;
}

/**
 * Parses the frame at pos, or returns undefined if it is not a complete, intact frame. A frame whose
 * checksum is right but whose content is not transactions was written whole by something other than
 * this writer: 'foreign', which the scan reports as corruption (never cut as a torn tail, never replayed).
 */
function frameAt(buf: Buffer, pos: number): { records: JournalRecord[]; end: number } | 'foreign' | undefined {
  if (pos + FRAME_HEADER > buf.length || buf.compare(FRAME_MAGIC, 0, 4, pos, pos + 4) !== 0) return undefined;
  const len = buf.readUInt32LE(pos + 4);
  const end = pos + FRAME_HEADER + len;
  if (len === 0 || len > MAX_FRAME || end > buf.length) return undefined;
  const payload = buf.subarray(pos + FRAME_HEADER, end);
  if (crc32(payload) !== buf.readUInt32LE(pos + 8)) return undefined;
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { tx: number; s: [string, EncodedValue[]][] }[];
    const records = parsed.map((r) => ({ tx: r.tx, statements: r.s.map(([sql, params]) => ({ sql, params: params.map(decodeValue) })) }));
    return records.every(isRecord) ? { records, end } : 'foreign';
  } catch {
    return 'foreign';
  }
}

function isRecord(r: JournalRecord): boolean {
  return Number.isSafeInteger(r.tx) && r.tx > 0 && r.statements.every((s) => typeof s.sql === 'string' && Array.isArray(s.params) && s.params.every(isSqlValue));
}

function isSqlValue(v: unknown): boolean {
  return v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || v instanceof Uint8Array;
}

/** Reads every valid frame from `offset`; tells a torn tail from corruption in the middle. */
export function scanJournal(buf: Buffer, offset = JOURNAL_MAGIC.length): JournalScan {
  const records: JournalRecord[] = [];
  let pos = offset;
  let frame = frameAt(buf, pos);
  for (; frame && frame !== 'foreign'; frame = frameAt(buf, pos)) {
    records.push(...frame.records);
    pos = frame.end;
  }
  if (frame === 'foreign') return { records, validEnd: pos, tornBytes: buf.length - pos, corruptAt: pos };
  for (let probe = buf.indexOf(FRAME_MAGIC, pos + 1); probe !== -1; probe = buf.indexOf(FRAME_MAGIC, probe + 1)) {
    if (frameAt(buf, probe)) return { records, validEnd: pos, tornBytes: buf.length - pos, corruptAt: pos };
  }
  return { records, validEnd: pos, tornBytes: buf.length - pos };
}

export function hasJournalMagic(buf: Buffer): boolean {
  return buf.length >= JOURNAL_MAGIC.length && buf.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC);
}

interface Pending {
  readonly record: string;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Appends records with group commit: everything queued while one write+fdatasync is in flight goes
 * out as the next frame, so concurrent appenders share an fsync and the cost per record stays flat.
 * rotate() switches to a new file between two frames, never during one.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private next: { fd: number; size: number; onSwitched: (oldFd: number) => void } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private fd: number, private size: number) {}

  /** Bytes in the current journal file. */
  get bytes(): number {
    return this.size;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  append(record: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) this.flush();
    });
  }

  /**
   * Sends every frame after the current one to `fd` (a prepared journal file holding just its
   * magic). onSwitched gets the old fd once no write to it is in flight, to close it.
   */
  rotate(fd: number, size: number, onSwitched: (oldFd: number) => void): void {
    this.next = { fd, size, onSwitched };
    if (!this.flushing) this.switchFile();
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closes the current file; call once idle() resolved. */
  close(): void {
    fs.closeSync(this.fd);
  }

  private switchFile(): void {
    const next = this.next;
    if (!next) return;
    this.next = undefined;
    const old = this.fd;
    this.fd = next.fd;
    this.size = next.size;
    next.onSwitched(old);
  }

  private flush(): void {
    this.switchFile();
    if (this.queue.length === 0) {
      this.flushing = false;
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    let data: Buffer;
    try {
      data = encodeFrame(batch.map((p) => p.record));
    } catch (err) {
      return this.fail(batch, err as Error);
    }
    const position = this.size;
    fs.write(this.fd, data, 0, data.length, position, (writeErr, written) => {
      if (writeErr || written !== data.length) return this.fail(batch, writeErr ?? new Error(`short write (${written} of ${data.length} bytes)`));
      fs.fdatasync(this.fd, (syncErr) => {
        if (syncErr) return this.fail(batch, syncErr);
        this.size = position + data.length;
        for (const p of batch) p.resolve();
        this.flush();
      });
    });
  }

  private fail(batch: Pending[], cause: Error): void {
    // After a failed write the file's tail is unknown: refuse everything from here on so nothing is
    // acknowledged out of order. Reopening the database cuts the tail back to the last valid frame.
    const code = (cause as NodeJS.ErrnoException).code;
    const hint = code === 'ENOSPC' ? 'the disk is full: free space, then reopen the workspace' : 'reopen the workspace';
    this.failure = new Error(
      `could not persist to the journal (${code ?? cause.message}); the last writes were not acknowledged and may not be saved — ${hint}`,
    );
    for (const p of [...batch, ...this.queue]) p.reject(this.failure);
    this.queue = [];
    this.flushing = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/** The records appended to `file` past `offset` (a reader following the writer). */
export function readJournalFrom(file: string, offset: number): { records: JournalRecord[]; validEnd: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { records: [], validEnd: 0 }; // dropped by the writer's checkpoint since it was listed
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { records: [], validEnd: 0 };
    const buf = Buffer.allocUnsafe(size - offset);
    const n = fs.readSync(fd, buf, 0, buf.length, offset);
    const { records, validEnd } = scanJournal(buf.subarray(0, n), 0);
    return { records, validEnd };
  } finally {
    fs.closeSync(fd);
  }
}
