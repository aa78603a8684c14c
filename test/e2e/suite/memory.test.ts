// The workspace memory in the editor: Index Workspace on the sample, a search that finds listUsers,
// and the watcher keeping the index current as files are created and deleted.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { eventually, root } from './support/workbench';

interface Hit {
  readonly source: 'file' | 'run';
  readonly path: string;
  readonly symbol: string | null;
  readonly startLine: number;
  readonly endLine: number;
  readonly kind: string;
  readonly text: string;
}

interface Found {
  readonly mode: string;
  readonly size: number;
  readonly hits: readonly Hit[];
}

const search = (query: string) => vscode.commands.executeCommand<Found>('codecompanion.internal.search', { query, limit: 10 });
const firstFileHit = (found: Found) => found.hits.find((h) => h.source === 'file');

describe('workspace memory', function () {
  this.timeout(60_000);

  it('Index Workspace indexes the sample, and searching "list users" finds the listUsers chunk first among the code', async () => {
    const t0 = Date.now();
    const report = await vscode.commands.executeCommand<{ files: number; chunksWritten: number; embedded: number; embedder?: string }>('codecompanion.indexWorkspace');
    console.log(`[cc-e2e] index: ${report?.files} files, ${report?.chunksWritten} chunks, ${report?.embedded} embedded with ${report?.embedder ?? 'none'} in ${Date.now() - t0} ms`);
    assert.ok(report && report.files >= 4 && report.chunksWritten > 0, `indexing reported ${JSON.stringify(report)}`);
    assert.ok(report.embedder?.startsWith('openai:'), 'the OpenAI key from the environment should give embeddings');
    const found = await search('list users');
    const hit = firstFileHit(found);
    console.log(`[cc-e2e] search "list users": ${found.mode} over ${found.size} chunks; first code hit ${hit?.path}:${hit?.startLine}-${hit?.endLine} ${hit?.symbol}`);
    assert.equal(found.mode, 'hybrid');
    assert.deepEqual([hit?.path, hit?.symbol], ['src/users.js', 'listUsers']);
  });

  it('remembers review decisions: the README rejected in send back is found with the user’s reason', async () => {
    const found = await search('what GET /users/:id answers when the id is not a number');
    const decision = found.hits.find((h) => h.source === 'run' && h.kind === 'patch-reject');
    assert.ok(decision, `no remembered rejection among ${found.hits.map((h) => `${h.source}:${h.kind}`).join(', ')} (sendBack.test.ts runs first)`);
    assert.match(decision.text, /Say what GET \/users\/:id answers when the id is not a number/);
  });

  it('once indexed, a file created on disk is found after the watcher re-indexes, and is gone once deleted', async () => {
    const uri = vscode.Uri.file(path.join(root(), 'src', 'orders.js'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode("'use strict';\n\nfunction listOrders() {\n  return [];\n}\n\nmodule.exports = { listOrders };\n"));
    const t0 = Date.now();
    const orders = async () => (await search('list orders')).hits.some((h) => h.path === 'src/orders.js' && h.symbol === 'listOrders');
    await eventually(orders, 15_000, () => 'src/orders.js was not indexed after it was created');
    console.log(`[cc-e2e] watcher: a new file searchable after ${Date.now() - t0} ms`);
    await vscode.workspace.fs.delete(uri);
    await eventually(async () => !(await orders()), 15_000, () => 'src/orders.js is still in the index after it was deleted');
  });
});
