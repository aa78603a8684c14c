// Workspace memory on real published code, fetched with `npm pack` at bench time (never committed):
// index time and database size for rxjs@7.8.1's TypeScript sources; recall@10 on a labelled query
// set built from them; query p50 once the index holds 50k+ chunks (typescript@5.9.3 and lodash
// added); peak RSS. Reproduce: npx tsx bench/run.ts memory   (part of npm run bench)
//
// Labelled set: every exported function or class (and class method) in rxjs/src with a JSDoc
// comment whose first paragraph has 6+ words. The query is that paragraph (tags and markup
// stripped, at most 40 words); the answer is the definition's chunk. The doc comments of the
// labelled definitions are BLANKED OUT of the indexed copy (line numbers kept), so a query never
// meets its own text. Hybrid uses a deterministic hashing embedder (the fake model server's
// bag-of-words fakeEmbedding at 256 dims): lexical, not semantic, so it shows the fusion's cost and
// effect, not what a real embedding model would add.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { indexWorkspace } from '../src/core/memory/indexer';
import { DEFAULT_VECTOR_WEIGHT, MemorySearch } from '../src/core/memory/memorySearch';
import { hashString } from '../src/core/router/router';
import type { Embedder } from '../src/core/ports/model';
import { listBlobFiles } from '../src/storage/memoryBlobs';
import { SqlMemoryStore } from '../src/storage/memoryStore';
import { MEMORY_SCHEMA } from '../src/storage/memorySchema';
import { openDatabaseAt } from '../src/storage/workspaceDatabase';
import { listJournals, databaseDir, memoryDirOf, SNAPSHOT_FILE } from '../src/storage/layout';
import { fakeEmbedding } from '../test/fakes/fakeModelServer';
import { percentile, peakRssMb, rowCollector, type BenchSuite } from './harness';

const QUALITY_PACKAGE = 'rxjs@7.8.1';
/** Package, and the folder of it to index (three's build/ and examples/ hold bundles and model data). */
const SCALE_PACKAGES: readonly [string, string][] = [['typescript@5.9.3', ''], ['lodash@4.17.21', ''], ['date-fns@4.1.0', ''], ['three@0.170.0', 'src'], ['moment@2.30.1', 'src'], ['express@4.21.2', 'lib'], ['semver@7.6.3', '']];
const TARGET_CHUNKS = 50_000;

const hashing: Embedder = { id: 'bench:hashing-256', embed: async (texts) => texts.map((t) => fakeEmbedding(t, 256)) };

interface Label {
  readonly query: string;
  readonly path: string;
  readonly name: string;
}

function fetchPackage(spec: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  const tgz = execFileSync('npm', ['pack', spec, '--silent'], { cwd: into, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', tgz], { cwd: into });
  fs.rmSync(path.join(into, tgz));
  return path.join(into, 'package');
}

const DEFINITION = /^\s*(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)|^\s+(?:(?:public|protected|private|static|async|readonly|override)\s+)*([A-Za-z_$][\w$]*)\s*[<(]/;

/** Finds labelled definitions and blanks their doc comments in place. */
function labelAndStrip(root: string): Label[] {
  const labels: Label[] = [];
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const seen = new Set<string>();
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*\/\*\*/.test(lines[i]!)) continue;
      let end = i;
      while (end < lines.length && !lines[end]!.includes('*/')) end++;
      const next = lines.slice(end + 1).find((l) => l.trim());
      const m = next ? DEFINITION.exec(next) : null;
      const name = m?.[1] ?? m?.[2];
      const description = docText(lines.slice(i, end + 1));
      if (name && !['if', 'for', 'while', 'switch', 'return', 'constructor'].includes(name) && description.split(' ').length >= 6 && !seen.has(name)) {
        seen.add(name);
        labels.push({ query: description, path: rel, name });
        for (let j = i; j <= end; j++) lines[j] = '';
      }
      i = end;
    }
    fs.writeFileSync(file, lines.join('\n'));
  }
  return labels;
}

function docText(comment: readonly string[]): string {
  const body = comment.map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\*\/\s*$/, '')).join('\n');
  const first = body.split(/\n\s*\n|\n\s*@|\n\s*##/)[0] ?? '';
  return first
    .replace(/\{@link\s+([^}|\s]+)[^}]*\}/g, '$1')
    .replace(/[`*_#>[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
    .slice(0, 40)
    .join(' ');
}

/** `hybrid`: the search's embedder ranks too, at this weight (keyword-only otherwise). */
async function recallAt10(memory: MemorySearch, labels: readonly Label[], hybrid = false, prefix = '', vectorWeight = DEFAULT_VECTOR_WEIGHT): Promise<number> {
  let hits = 0;
  for (const l of labels) {
    const result = await memory.search(l.query, { limit: 10, source: 'file', ...(hybrid ? { vectorWeight } : { mode: 'keyword' as const }) });
    if (result.hits.some((h) => h.chunk.path === prefix + l.path && (h.chunk.symbol === l.name || h.chunk.symbol?.endsWith(`.${l.name}`)))) hits++;
  }
  return hits / labels.length;
}

/** The memory index's own database (.codecompanion/memory/), the one indexing writes and a search loads. */
function openIndex(root: string) {
  return openDatabaseAt(memoryDirOf(databaseDir(root)), { schema: MEMORY_SCHEMA, mode: 'write' });
}

/** Snapshot, journals and the blob file (text and vectors). */
function databaseBytes(root: string): number {
  const dir = memoryDirOf(databaseDir(root));
  return [path.join(dir, SNAPSHOT_FILE), ...listJournals(dir).map((j) => j.path), ...listBlobFiles(dir).map((b) => b.path)].reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

export const suite: BenchSuite = {
  name: 'memory',
  async run(report) {
    const out = rowCollector(report);
    const work = path.resolve('.bench', `memory-${process.pid}`);
    fs.rmSync(work, { recursive: true, force: true });
    const downloads = path.join(work, 'downloads');
    const quality = path.join(work, 'quality');
    fs.cpSync(path.join(fetchPackage(QUALITY_PACKAGE, path.join(downloads, 'rxjs')), 'src'), quality, { recursive: true });
    const labels = labelAndStrip(quality);
    out.add({ metric: `labelled queries (${QUALITY_PACKAGE} src, doc comments blanked)`, value: labels.length });

    let db = await openIndex(quality);
    let store = new SqlMemoryStore(db);
    const first = await indexWorkspace(quality, store);

    out.add({ metric: `index ${first.files} files, keyword-only (cold)`, value: Math.round(first.ms), unit: 'ms' });
    out.add({ metric: 'chunks', value: store.chunkCount() });
    const again = await indexWorkspace(quality, store);
    out.add({ metric: 're-index, nothing changed', value: Math.round(again.ms), unit: 'ms' });
    const embedded = await indexWorkspace(quality, store, { embedder: hashing });
    out.add({ metric: `embed ${embedded.embedded} chunks (hashing embedder, in process)`, value: Math.round(embedded.ms), unit: 'ms' });
    await db.close();
    out.add({ metric: 'database size (snapshot + journals)', value: +(databaseBytes(quality) / 1024 / 1024).toFixed(2), unit: 'MB' });

    db = await openIndex(quality);
    store = new SqlMemoryStore(db);
    let memory = MemorySearch.load(store, hashing); // reads nothing until a query
    out.add({ metric: 'recall@10 keyword-only (BM25), all queries', value: +(await recallAt10(memory, labels)).toFixed(3) });
    // The fusion weight is a choice made on data: pick it on one half of the queries (by a hash of the
    // answer's name), report it on the other half. The embedder is named in every hybrid row.
    const ordered = [...labels].sort((a, b) => hashString(`${a.path}#${a.name}`) - hashString(`${b.path}#${b.name}`));
    const tuneSet = ordered.filter((_, i) => i % 2 === 0);
    const heldOut = ordered.filter((_, i) => i % 2 === 1);
    const weights = [0, 0.1, 0.25, 0.5, 1];
    const tuned: number[] = [];
    for (const w of weights) tuned.push(await recallAt10(memory, tuneSet, true, '', w));
    const best = weights[tuned.indexOf(Math.max(...tuned))]!;
    out.add({ metric: `fusion weight picked on ${tuneSet.length} tuning queries (${weights.map((w, i) => `${w}: ${tuned[i]!.toFixed(3)}`).join(', ')})`, value: best });
    out.add({ metric: `shipped default vector weight (src/core/memory/memorySearch.ts)`, value: DEFAULT_VECTOR_WEIGHT });
    out.add({ metric: `recall@10 keyword-only, ${heldOut.length} held-out queries`, value: +(await recallAt10(memory, heldOut)).toFixed(3) });
    out.add({ metric: `recall@10 hybrid, held-out, ${hashing.id}, weight ${best}`, value: +(await recallAt10(memory, heldOut, true, '', best)).toFixed(3) });
    out.add({ metric: `recall@10 hybrid, held-out, ${hashing.id}, shipped weight ${DEFAULT_VECTOR_WEIGHT}`, value: +(await recallAt10(memory, heldOut, true)).toFixed(3) });
    out.add({ metric: `recall@10 hybrid, held-out, ${hashing.id}, equal-weight RRF (before)`, value: +(await recallAt10(memory, heldOut, true, '', 1)).toFixed(3) });
    await db.close();
    if (process.env.CODECOMPANION_BENCH_MEMORY_QUALITY_ONLY) return out.rows; // the recall rows alone, for tuning

    // Scale: more real code in the same database until it holds 50k+ chunks.
    const scale = path.join(work, 'scale');
    fs.cpSync(quality, path.join(scale, 'rxjs'), { recursive: true });
    for (const [spec, sub] of SCALE_PACKAGES) fs.cpSync(path.join(fetchPackage(spec, path.join(downloads, spec.split('@')[0]!)), sub), path.join(scale, spec.split('@')[0]!), { recursive: true });
    db = await openIndex(scale);
    store = new SqlMemoryStore(db);
    const big = await indexWorkspace(scale, store, { embedder: hashing, maxFileBytes: 16 * 1024 * 1024, maxLineChars: 1_000_000 });
    const chunkCount = store.chunkCount();
    out.add({ metric: `index + embed ${big.files} files (${[QUALITY_PACKAGE, ...SCALE_PACKAGES.map(([p, sub]) => (sub ? `${p}/${sub}` : p))].join(', ')})`, value: Math.round(big.ms), unit: 'ms' });
    out.add({ metric: 'chunks at scale', value: chunkCount, ...(chunkCount < TARGET_CHUNKS ? { goal: `>= ${TARGET_CHUNKS}` } : {}) });
    await db.close();
    out.add({ metric: 'database size at scale', value: +(databaseBytes(scale) / 1024 / 1024).toFixed(1), unit: 'MB' });
    const openBig = performance.now();
    db = await openIndex(scale);
    out.add({ metric: 'open the memory database at scale (read, checksum, image into sql.js)', value: Math.round(performance.now() - openBig), unit: 'ms' });
    memory = MemorySearch.load(new SqlMemoryStore(db), hashing);
    const queries = labels.slice(0, 200).map((l) => l.query);
    const cold = performance.now();
    await memory.search(queries[0]!, { limit: 10 });
    out.add({ metric: 'first query after the open (nothing loaded before it)', value: +(performance.now() - cold).toFixed(1), unit: 'ms' });
    const time = async (fn: (q: string) => Promise<unknown>) => {
      const t: number[] = [];
      for (const q of queries) {
        const s = performance.now();
        await fn(q);
        t.push(performance.now() - s);
      }
      return t;
    };
    const kw = await time((q) => memory.search(q, { limit: 10, mode: 'keyword' }));
    out.add({ metric: `query p50 keyword-only at ${chunkCount} chunks`, value: +percentile(kw, 50).toFixed(2), unit: 'ms', goal: '<= 20 ms' });
    out.add({ metric: `query p95 keyword-only`, value: +percentile(kw, 95).toFixed(2), unit: 'ms' });
    const hy = await time((q) => memory.search(q, { limit: 10 }));
    out.add({ metric: `query p50 hybrid at ${chunkCount} chunks, shipped weight ${DEFAULT_VECTOR_WEIGHT} (vectors only when no keyword matches)`, value: +percentile(hy, 50).toFixed(2), unit: 'ms', goal: '<= 20 ms' });
    out.add({ metric: `query p95 hybrid, shipped weight`, value: +percentile(hy, 95).toFixed(2), unit: 'ms' });
    const vectorsFirst = performance.now();
    await memory.search(queries[0]!, { limit: 10, vectorWeight: 0.1 });
    out.add({ metric: `first query that needs the vectors (reads ${chunkCount} into one Float32Array)`, value: Math.round(performance.now() - vectorsFirst), unit: 'ms' });
    const weighted = await time((q) => memory.search(q, { limit: 10, vectorWeight: 0.1 }));
    out.add({ metric: `query p50 hybrid, weight 0.1 (embed + BM25 + cosine over every vector + RRF)`, value: +percentile(weighted, 50).toFixed(2), unit: 'ms', goal: '<= 20 ms' });
    out.add({ metric: `query p95 hybrid, weight 0.1`, value: +percentile(weighted, 95).toFixed(2), unit: 'ms' });
    out.add({ metric: 'recall@10 keyword-only among all 50k+ chunks', value: +(await recallAt10(memory, labels, false, 'rxjs/')).toFixed(3) });
    out.add({ metric: `recall@10 hybrid among all 50k+ chunks (${hashing.id}, weight ${DEFAULT_VECTOR_WEIGHT})`, value: +(await recallAt10(memory, labels, true, 'rxjs/')).toFixed(3) });
    await db.close();
    out.add({ metric: 'peak RSS', value: Math.round(peakRssMb()), unit: 'MB' });
    fs.rmSync(work, { recursive: true, force: true });
    return out.rows;
  },
};
