import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InMemoryEventStore } from '../../fakes/inMemoryEventStore';
import { openWorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import { SqlEventStore } from '../../../src/storage/sqlEventStore';
import { eventStoreBehaviour } from './eventStoreBehaviour';

eventStoreBehaviour('in memory', async () => ({ store: new InMemoryEventStore() }));

eventStoreBehaviour('sql.js on disk', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-store-'));
  const reopen = async () => new SqlEventStore(await openWorkspaceDatabase(root, { mode: 'write' }));
  return { store: await reopen(), reopen };
});
