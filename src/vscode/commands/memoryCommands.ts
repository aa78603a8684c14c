// Index Workspace (the memory runs and search read) and the hidden search tests call.
import * as vscode from 'vscode';
import { z } from 'zod';
import type { IndexReport } from '../../core/memory/indexer';
import type { Companion } from '../companion';

const PHASE = { scan: 'scanning', chunk: 'reading files', embed: 'embedding chunks' } as const;

export async function indexWorkspaceCommand(c: Companion): Promise<IndexReport | undefined> {
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'CodeCompanion: indexing the workspace', cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort(new Error('indexing cancelled')));
    let last = 0;
    try {
      return await c.index.index({
        signal: abort.signal,
        onProgress: (p) => {
          const pct = p.total ? (100 * p.done) / p.total : 0;
          // the bar advances per phase; withProgress adds increments, so report the difference
          progress.report({ message: `${PHASE[p.phase]} ${p.done}/${p.total}`, increment: p.phase === 'embed' ? 0 : Math.max(0, pct - last) });
          if (p.phase !== 'embed') last = pct;
        },
      });
    } catch (err) {
      if (abort.signal.aborted) return undefined;
      throw err;
    } finally {
      sub.dispose();
    }
  });
  if (!report) {
    void vscode.window.showInformationMessage('CodeCompanion: indexing cancelled. What was read is kept; the next Index Workspace continues from there.');
    return undefined;
  }
  const how = report.embedder
    ? report.embedError
      ? `embeddings stopped (${report.embedError}): search uses keywords for the rest`
      : `${report.embedded} chunk(s) embedded with ${report.embedder}`
    : 'keyword-only: set an OpenAI or Gemini key (or an OpenAI-compatible server) for semantic search';
  void vscode.window.showInformationMessage(`CodeCompanion: indexed ${report.files} files (${report.added} new, ${report.changed} changed, ${report.removed} removed), ${report.chunksWritten} chunks written in ${(report.ms / 1000).toFixed(1)} s; ${how}. The index now follows your edits.`);
  return report;
}

const SearchArgs = z.object({ query: z.string().trim().min(1), limit: z.number().int().min(1).max(200).optional() });

export async function searchCommand(c: Companion, arg: unknown) {
  const parsed = SearchArgs.safeParse(arg);
  if (!parsed.success) throw new Error(`codecompanion.internal.search takes { query: string, limit?: number }: ${parsed.error.issues[0]?.message}`);
  const result = await c.index.search(parsed.data.query, parsed.data.limit);
  return {
    mode: result.mode,
    size: result.size,
    ...(result.fallback ? { fallback: result.fallback } : {}),
    hits: result.hits.map(({ chunk, score }) => ({ source: chunk.source, path: chunk.path, startLine: chunk.startLine, endLine: chunk.endLine, symbol: chunk.symbol ?? null, kind: chunk.kind, score, text: chunk.text })),
  };
}
