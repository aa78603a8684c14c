// The committed .codecompanion/ written by the schema-v1 code (two sample runs): copied to a
// temporary workspace for each test, since opening it for writing migrates it in place.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StoredEvent } from '../../../src/core/ports/eventStore';
import { loadSqlJs, queryAll } from '../../../src/storage/database';

export const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'v1-workspace');

export function copyFixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fixture-'));
  fs.cpSync(FIXTURE, root, { recursive: true });
  return root;
}

/** Its events, read straight from the snapshot (no CodeCompanion code involved). */
export async function fixtureEvents(): Promise<StoredEvent[]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(path.join(FIXTURE, '.codecompanion', 'state.sqlite')));
  try {
    return queryAll<{ run_id: string; seq: number; global_seq: number; type: string; ts: number; data: string }>(db, 'SELECT run_id, seq, global_seq, type, ts, data FROM events ORDER BY global_seq').map((r) => ({
      runId: r.run_id,
      seq: r.seq,
      globalSeq: r.global_seq,
      type: r.type,
      ts: r.ts,
      data: JSON.parse(r.data),
    }));
  } finally {
    db.close();
  }
}
