// codecompanion index [--cwd DIR] | search "QUERY" [--cwd DIR] [--json] [--limit N]: the workspace
// memory from the terminal. Embeddings come from the first configured embedding provider (OpenAI,
// Gemini, an OpenAI-compatible server such as Ollama); without one both commands work on keywords.
import type { IndexReport } from '../../core/memory/indexer';
import type { MemorySearch } from '../../core/memory/memorySearch';
import type { Embedder } from '../../core/ports/model';
import { loadProviderConfigFromEnv } from '../../providers/config';
import { embedderFrom, indexMemory, loadedSearch } from '../../app/memory';
import { openWorkspaceDatabase } from '../../storage/workspaceDatabase';
import { parseCommandLine, UsageError, wholeNumber, type CliCommand, type CliIo, resolveWorkspace } from '../io';

const OPTIONS = {
  cwd: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
  'keyword-only': { type: 'boolean' },
} as const;

/** The embedder the environment configures, if any. */
export function embedderFromEnv(env: NodeJS.ProcessEnv): Embedder | undefined {
  return embedderFrom(loadProviderConfigFromEnv(env));
}

const NO_EMBEDDER = 'keyword-only: no embedding provider is configured (set OPENAI_API_KEY, GEMINI_API_KEY or OPENAI_COMPATIBLE_BASE_URL for semantic search)';

export const indexCommand: CliCommand = {
  name: 'index',
  usage: 'index [--cwd DIR] [--json] [--keyword-only]',
  summary: 'index the workspace for search and agent context (incremental)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const root = resolveWorkspace(io.cwd, values.cwd);
    const embedder = values['keyword-only'] ? undefined : embedderFromEnv(io.env);
    const db = await openWorkspaceDatabase(root, { mode: 'write', lockTimeoutMs: 10_000, purpose: 'codecompanion index' });
    let report: IndexReport;
    try {
      report = await indexMemory(
        root,
        db,
        {
          embedder,
          signal: io.signal,
          onProgress: io.isTty && !values.json ? (p) => (io.clearLine(), io.stderr.write(`${p.phase} ${p.done}/${p.total}`)) : undefined,
        },
        'codecompanion index',
      );
    } finally {
      if (io.isTty && !values.json) io.clearLine();
      await db.close();
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    io.stdout.write(
      `indexed ${report.files} files in ${(report.ms / 1000).toFixed(1)} s: ${report.added} added, ${report.changed} changed, ${report.removed} removed, ${report.unchanged} unchanged, ${report.skipped} skipped; ${report.chunksWritten} chunks written\n`,
    );
    if (!embedder) io.stdout.write(`${NO_EMBEDDER}\n`);
    else if (report.embedError) io.stdout.write(`embeddings stopped (${report.embedError}): search falls back to keywords for what was not embedded\n`);
    else io.stdout.write(`${report.embedded} chunk(s) embedded with ${report.embedder}\n`);
    return 0;
  },
};

export const searchCommand: CliCommand = {
  name: 'search',
  usage: 'search "QUERY" [--cwd DIR] [--json] [--limit N] [--keyword-only]',
  summary: 'search the indexed code and past runs (hybrid keyword + semantic)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const query = positionals.join(' ').trim();
    if (!query) throw new UsageError('give the query, e.g. codecompanion search "where are retries configured"');
    const limit = values.limit === undefined ? 10 : wholeNumber(values.limit, '--limit', 1, 200);
    const root = resolveWorkspace(io.cwd, values.cwd);
    const db = await openWorkspaceDatabase(root, { mode: 'auto', lockTimeoutMs: 0, purpose: 'codecompanion search' });
    try {
      const { search: memory } = await loadedSearch(db, values['keyword-only'] ? undefined : embedderFromEnv(io.env));
      if (memory.size === 0) throw new Error(`nothing is indexed in ${root} yet: run 'codecompanion index' first`);
      const result = await memory.search(query, { limit, signal: io.signal });
      if (values.json) {
        const hits = result.hits.map((h) => ({ ...h.chunk, score: h.score, keywordRank: h.keywordRank ?? null, vectorRank: h.vectorRank ?? null }));
        io.stdout.write(`${JSON.stringify({ mode: result.mode, ...(result.fallback ? { fallback: result.fallback } : {}), hits })}\n`);
        return 0;
      }
      writeHits(io, result.hits);
      io.stderr.write(`${result.mode} search over ${memory.size} chunks${result.fallback ? ` (embedding the query failed: ${result.fallback})` : ''}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

function writeHits(io: CliIo, hits: Awaited<ReturnType<MemorySearch['search']>>['hits']): void {
  if (hits.length === 0) io.stdout.write('no matches\n');
  for (const { chunk, score } of hits) {
    const where = chunk.source === 'run' ? `run ${chunk.path}` : `${chunk.path}:${chunk.startLine}-${chunk.endLine}`;
    const first = chunk.text.split('\n').find((l) => l.trim()) ?? '';
    io.stdout.write(`${where}  ${chunk.symbol ?? chunk.kind}  (${score.toFixed(4)})\n    ${first.trim().slice(0, 120)}\n`);
  }
}
