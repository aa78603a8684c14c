// Property-based fuzzing of the journal reader (scanJournal, and loadImage on whole files): random
// bytes, valid journals cut at every length, single bit flips, and random overwrites, inserts and
// deletes. It never throws, never invents or reorders a record, tells a torn tail (only the last frame
// damaged) from corruption (a damaged frame with an intact one after it), and a whole database
// directory with a fuzzed journal either opens or fails with a DatabaseFileError.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { encodeFrame, encodeRecord, JOURNAL_MAGIC, scanJournal, type JournalRecord } from '../../../src/storage/journal';
import { loadImage } from '../../../src/storage/image';
import { DatabaseFileError, journalFileName } from '../../../src/storage/layout';
import { FUZZ_SEED, fuzzRuns, recordFuzzInputs } from './budget';

const sqlValue = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant(null), fc.uint8Array({ maxLength: 16 }));
const statement = fc.record({ sql: fc.string({ maxLength: 40 }), params: fc.array(sqlValue, { maxLength: 4 }) });
/** Frames of consecutive transactions, as the writer would produce them. */
const journal = fc.array(fc.array(fc.array(statement, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }).map((frames) => {
  let tx = 0;
  const records: JournalRecord[] = [];
  const ends: number[] = [];
  const parts: Buffer[] = [JOURNAL_MAGIC];
  let size = JOURNAL_MAGIC.length;
  for (const frame of frames) {
    const recs = frame.map((statements) => ({ tx: ++tx, statements }));
    const buf = encodeFrame(recs.map(encodeRecord));
    parts.push(buf);
    size += buf.length;
    ends.push(size);
    records.push(...recs);
  }
  return { bytes: Buffer.concat(parts), records, ends, perFrame: frames.map((f) => f.length) };
});

type Journal = { bytes: Buffer; records: JournalRecord[]; ends: number[]; perFrame: number[] };

/** Records in the first `frames` frames. */
function recordsOf(j: Journal, frames: number): number {
  return j.perFrame.slice(0, frames).reduce((a, b) => a + b, 0);
}

function checkShape(scan: ReturnType<typeof scanJournal>, length: number): void {
  assert.equal(scan.validEnd + scan.tornBytes, length);
  assert.ok(scan.validEnd >= JOURNAL_MAGIC.length && scan.tornBytes >= 0);
  if (scan.corruptAt !== undefined) assert.equal(scan.corruptAt, scan.validEnd);
  for (const r of scan.records) {
    assert.ok(Number.isSafeInteger(r.tx) && r.tx > 0);
    for (const s of r.statements) assert.equal(typeof s.sql, 'string');
  }
}

/** The records read are the original ones, in order, possibly with some missing (never invented). */
function isSubsequence(got: readonly JournalRecord[], original: readonly JournalRecord[]): boolean {
  let i = 0;
  for (const r of got) {
    while (i < original.length && original[i]!.tx !== r.tx) i++;
    if (i === original.length) return false;
    assert.equal(encodeRecord(r), encodeRecord(original[i]!));
    i++;
  }
  return true;
}

describe('fuzz: journal reader', function () {
  this.timeout(120_000);

  it('random bytes after the magic: never throws, never finds a record', () => {
    const runs = fuzzRuns(3000);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (tail) => {
        const buf = Buffer.concat([JOURNAL_MAGIC, Buffer.from('CCF1'), Buffer.from(tail)]);
        const scan = scanJournal(buf);
        checkShape(scan, buf.length);
        assert.equal(scan.records.length, 0);
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('journal', runs);
  });

  it('a journal cut at any length is a torn tail: the whole frames before the cut, nothing else', () => {
    const runs = fuzzRuns(2500);
    fc.assert(
      fc.property(journal, fc.double({ min: 0, max: 1, noNaN: true }), (j, where) => {
        const cut = JOURNAL_MAGIC.length + Math.floor(where * (j.bytes.length - JOURNAL_MAGIC.length));
        const buf = j.bytes.subarray(0, cut);
        const scan = scanJournal(buf);
        checkShape(scan, buf.length);
        assert.equal(scan.corruptAt, undefined, 'a cut is never corruption');
        const whole = j.ends.filter((e) => e <= cut).length;
        assert.equal(scan.records.length, recordsOf(j, whole));
        assert.equal(scan.validEnd, whole ? j.ends[whole - 1] : JOURNAL_MAGIC.length);
        assert.ok(isSubsequence(scan.records, j.records));
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('journal', runs);
  });

  it('one flipped bit: in the last frame it reads as torn, in an earlier one as corruption', () => {
    const runs = fuzzRuns(2500);
    fc.assert(
      fc.property(journal, fc.nat(), fc.integer({ min: 0, max: 7 }), (j, at, bit) => {
        const pos = JOURNAL_MAGIC.length + (at % (j.bytes.length - JOURNAL_MAGIC.length));
        const buf = Buffer.from(j.bytes);
        buf[pos] = buf[pos]! ^ (1 << bit);
        const frame = j.ends.findIndex((e) => pos < e);
        const scan = scanJournal(buf);
        checkShape(scan, buf.length);
        assert.equal(scan.records.length, recordsOf(j, frame), 'exactly the frames before the damaged one');
        if (frame === j.ends.length - 1) assert.equal(scan.corruptAt, undefined, 'damage in the last frame looks like a torn tail');
        else assert.equal(scan.corruptAt, frame === 0 ? JOURNAL_MAGIC.length : j.ends[frame - 1], 'damage before an intact frame is corruption');
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('journal', runs);
  });

  it('random overwrites, inserts and deletes: never throws, never invents or reorders a record', () => {
    const runs = fuzzRuns(2000);
    const edit = fc.record({ kind: fc.constantFrom('overwrite', 'insert', 'delete'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) });
    fc.assert(
      fc.property(journal, fc.array(edit, { minLength: 1, maxLength: 4 }), (j, edits) => {
        let buf = Buffer.from(j.bytes);
        for (const e of edits) {
          const at = JOURNAL_MAGIC.length + (e.at % Math.max(1, buf.length - JOURNAL_MAGIC.length));
          const bytes = Buffer.from(e.bytes);
          if (e.kind === 'overwrite') bytes.copy(buf, at, 0, Math.min(bytes.length, buf.length - at));
          else if (e.kind === 'insert') buf = Buffer.concat([buf.subarray(0, at), bytes, buf.subarray(at)]);
          else buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + bytes.length))]);
        }
        const scan = scanJournal(buf);
        checkShape(scan, buf.length);
        assert.ok(isSubsequence(scan.records, j.records));
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('journal', runs);
  });

  it('a database folder with a fuzzed journal opens or fails with a DatabaseFileError, nothing else', async () => {
    const runs = fuzzRuns(150);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fuzz-journal-'));
    // valid SQL in valid frames, plus frames whose checksum is right but whose content is not ours
    const realFrame = (tx: number) => encodeFrame([encodeRecord({ tx, statements: [{ sql: 'CREATE TABLE IF NOT EXISTS t (x)', params: [] }, { sql: 'INSERT INTO t VALUES (?)', params: [tx] }] })]);
    const forged = fc.oneof(
      fc.json().map((json) => encodeFrame([json])),
      fc.record({ tx: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), sql: fc.string({ maxLength: 30 }) }).map((r) => encodeFrame([JSON.stringify({ tx: r.tx, s: [[r.sql, [1]]] })])),
      fc.string({ maxLength: 30 }).map((sql) => encodeFrame([JSON.stringify({ tx: 1, s: [[sql, []]] })])),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: 1, max: 4 }).map(realFrame), forged, fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))), { maxLength: 4 }), async (frames) => {
        for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
        fs.writeFileSync(path.join(dir, journalFileName(1)), Buffer.concat([JOURNAL_MAGIC, ...frames]));
        try {
          const image = await loadImage(dir);
          image.statements.clear();
          image.db.close();
        } catch (err) {
          assert.ok(err instanceof DatabaseFileError, `an untyped error escaped: ${String(err)}`);
        }
      }),
      { numRuns: runs, seed: FUZZ_SEED },
    );
    recordFuzzInputs('journal', runs);
  });
});
