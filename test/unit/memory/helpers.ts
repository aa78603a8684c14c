// Temp workspaces and a real workspace database for the memory tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openMemoryDatabase } from '../../../src/storage/memoryDatabase';
import { SqlMemoryStore } from '../../../src/storage/memoryStore';
import { openWorkspaceDatabase, type WorkspaceDatabase } from '../../../src/storage/workspaceDatabase';
import type { Embedder } from '../../../src/core/ports/model';

export function tempWorkspace(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-memory-'));
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
}

/** The workspace database and the memory index's beside it, both written; `db.close()` closes both. */
export async function openMemory(root: string): Promise<{ db: { close(): Promise<void> }; main: WorkspaceDatabase; memory: WorkspaceDatabase; store: SqlMemoryStore }> {
  const main = await openWorkspaceDatabase(root, { mode: 'write' });
  const memory = await openMemoryDatabase(main, { mode: 'write' });
  const close = async () => {
    await memory.close();
    await main.close();
  };
  return { db: { close }, main, memory, store: new SqlMemoryStore(memory) };
}

/**
 * A concept embedder: words with the same meaning share a dimension, so "automobile" is near "car"
 * while sharing no keyword with it. Counts its calls and texts.
 */
export class ConceptEmbedder implements Embedder {
  readonly id = 'test:concepts';
  calls = 0;
  texts: string[] = [];
  private static readonly CONCEPTS = [
    ['car', 'automobile', 'vehicle', 'truck'],
    ['pay', 'invoice', 'billing', 'payment', 'charge'],
    ['login', 'authenticate', 'password', 'signin', 'credential'],
    ['sort', 'order', 'rank'],
    ['file', 'disk', 'path'],
  ];

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    this.texts.push(...texts);
    return texts.map((t) => {
      const v = new Float32Array(ConceptEmbedder.CONCEPTS.length + 1);
      for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
        const i = ConceptEmbedder.CONCEPTS.findIndex((c) => c.some((root) => w.startsWith(root)));
        v[i < 0 ? ConceptEmbedder.CONCEPTS.length : i]! += i < 0 ? 0.05 : 1;
      }
      return v;
    });
  }
}
