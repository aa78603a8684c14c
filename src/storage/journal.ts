// The write-ahead journal: one record per committed write transaction, appended and fsync'ed in
// batches (group commit). A record is [u32 length][u32 crc32][payload]; a torn or garbled tail fails
// the length or checksum test and is cut, never replayed. Transactions carry a number so a record
// already folded into a snapshot is skipped on replay.
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { SqlStatement, SqlValue } from './database';

export const JOURNAL_MAGIC = Buffer.from('CCJOURNAL1\n');
const RECORD_HEADER = 8;
/** A length beyond this is garbage, not a record: no single transaction is this large. */
const MAX_RECORD = 256 * 1024 * 1024;

export interface JournalRecord {
  readonly tx: number;
  readonly statements: readonly SqlStatement[];
}

export interface JournalScan {
  readonly records: JournalRecord[];
  /** Byte offset just past the last valid record. */
  readonly validEnd: number;
  /** Bytes after validEnd that failed the length or checksum test (a torn tail). */
  readonly tornBytes: number;
}

type EncodedValue = number | string | null | { b: string };

export function encodeRecord(record: JournalRecord): Buffer {
  const payload = Buffer.from(
    JSON.stringify({
      tx: record.tx,
      s: record.statements.map((s) => [s.sql, (s.params ?? []).map(encodeValue)]),
    }),
  );
  const header = Buffer.allocUnsafe(RECORD_HEADER);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

function encodeValue(v: SqlValue): EncodedValue {
  return v instanceof Uint8Array ? { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
}

function decodeValue(v: EncodedValue): SqlValue {
  return v !== null && typeof v === 'object' ? new Uint8Array(Buffer.from(v.b, 'base64')) : v;
}

/** Reads every valid record from `offset`; stops at the first torn or garbled one. */
export function scanJournal(buf: Buffer, offset = JOURNAL_MAGIC.length): JournalScan {
  const records: JournalRecord[] = [];
  let pos = offset;
  while (pos + RECORD_HEADER <= buf.length) {
    const len = buf.readUInt32LE(pos);
    const sum = buf.readUInt32LE(pos + 4);
    const end = pos + RECORD_HEADER + len;
    if (len === 0 || len > MAX_RECORD || end > buf.length) break;
    const payload = buf.subarray(pos + RECORD_HEADER, end);
    if (crc32(payload) !== sum) break;
    let parsed: { tx: number; s: [string, EncodedValue[]][] };
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      break;
    }
    records.push({ tx: parsed.tx, statements: parsed.s.map(([sql, params]) => ({ sql, params: params.map(decodeValue) })) });
    pos = end;
  }
  return { records, validEnd: pos, tornBytes: buf.length - pos };
}

export function hasJournalMagic(buf: Buffer): boolean {
  return buf.length >= JOURNAL_MAGIC.length && buf.subarray(0, JOURNAL_MAGIC.length).equals(JOURNAL_MAGIC);
}

interface Pending {
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Appends records with group commit: everything queued while one write+fdatasync is in flight goes
 * out in the next one, so concurrent appenders share an fsync and the cost per record stays flat.
 */
export class JournalWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private failure: Error | undefined;
  private size: number;

  constructor(private readonly fd: number, initialSize: number) {
    this.size = initialSize;
  }

  get bytes(): number {
    return this.size;
  }

  append(bytes: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      if (!this.flushing) this.flush();
    });
  }

  /** Resolves once everything queued so far is durable (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  /** Empties the journal after a snapshot made its records redundant. */
  reset(): void {
    fs.ftruncateSync(this.fd, JOURNAL_MAGIC.length);
    fs.fdatasyncSync(this.fd);
    this.size = JOURNAL_MAGIC.length;
  }

  private flush(): void {
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    const data = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((p) => p.bytes));
    const position = this.size;
    fs.write(this.fd, data, 0, data.length, position, (writeErr, written) => {
      if (writeErr || written !== data.length) return this.fail(batch, writeErr ?? new Error(`short write (${written} of ${data.length} bytes)`));
      fs.fdatasync(this.fd, (syncErr) => {
        if (syncErr) return this.fail(batch, syncErr);
        this.size = position + data.length;
        for (const p of batch) p.resolve();
        this.flushing = false;
        if (this.queue.length > 0) this.flush();
      });
    });
  }

  private fail(batch: Pending[], cause: Error): void {
    // After a failed write the file's tail is unknown: refuse everything from here on so nothing is
    // acknowledged out of order. Reopening the database cuts the tail back to the last valid record.
    const code = (cause as NodeJS.ErrnoException).code;
    const hint = code === 'ENOSPC' ? 'the disk is full: free space, then reopen the workspace' : 'reopen the workspace';
    this.failure = new Error(`could not persist to the journal (${code ?? cause.message}); nothing unacknowledged was saved — ${hint}`);
    for (const p of [...batch, ...this.queue]) p.reject(this.failure);
    this.queue = [];
    this.flushing = false;
  }
}
