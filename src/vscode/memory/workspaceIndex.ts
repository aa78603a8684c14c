// The workspace memory in the editor: what runs and the review take from it (context once the
// workspace is indexed, decisions and run summaries always), Index Workspace, search, and the
// watcher that keeps an indexed workspace current. Embeddings come from the configured providers
// (SecretStorage keys) when one can embed; otherwise the index is keyword-only.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { embedderFrom, indexMemory, loadedSearch, workspaceMemory, type WorkspaceMemory } from '../../app/memory';
import type { WorkspaceStore } from '../../app/workspaceStore';
import type { DecisionMemory } from '../../core/orchestrator/orchestrator';
import type { IndexProgress, IndexReport } from '../../core/memory/indexer';
import type { SearchResult } from '../../core/memory/memorySearch';
import type { Embedder } from '../../core/ports/model';
import type { WorkspaceDatabase } from '../../storage/workspaceDatabase';
import { ENV_KEYS } from '../../providers/config';
import { providerConfigFrom, type EditorSettings } from '../../app/editorSettings';
import type { ApiKeys } from '../secrets';
import { PendingPaths } from '../../app/pendingPaths';

const INDEXED_KEY = 'codecompanion.memory.indexed';
const DEBOUNCE_MS = 1_500;

export class WorkspaceIndex implements vscode.Disposable {
  private readonly _onDidIndex = new vscode.EventEmitter<IndexReport>();
  readonly onDidIndex = this._onDidIndex.event;
  private watcher: vscode.Disposable[] | undefined;
  private readonly pending = new PendingPaths();
  private timer: NodeJS.Timeout | undefined;
  private indexing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly root: string,
    private readonly store: WorkspaceStore,
    private readonly memento: vscode.Memento,
    private readonly keys: ApiKeys,
    private readonly settings: () => EditorSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts watching if the workspace was indexed here before or the user asked for it. */
  start(): void {
    if (this.memento.get<boolean>(INDEXED_KEY) || this.settings().memory.autoIndex) this.watch();
  }

  /** A recorded session answers without the network: no embeddings then, as in the CLI. */
  async embedder(): Promise<Embedder | undefined> {
    const settings = this.settings();
    if (settings.replaySession.trim()) return undefined;
    return embedderFrom(providerConfigFrom(settings, await this.keys.all(), process.env, ENV_KEYS));
  }

  /** What one run takes from the memory; an indexed workspace is watched from then on. */
  async forRun(db: WorkspaceDatabase): Promise<WorkspaceMemory> {
    const memory = workspaceMemory(db, await this.embedder());
    if (memory.context) this.watch();
    return memory;
  }

  /** For the review: each decision is queued in the workspace database (the index is not loaded). */
  decisions(): DecisionMemory {
    return {
      rememberPatchDecision: async (d) => {
        const embedder = await this.embedder();
        const opened = await this.store.write();
        try {
          await workspaceMemory(opened.db, embedder).memory.rememberPatchDecision(d);
        } finally {
          this.store.release();
        }
      },
    };
  }

  /** Indexes the workspace (or only `paths`), one indexing at a time. */
  index(options: { paths?: readonly string[]; signal?: AbortSignal; onProgress?: (p: IndexProgress) => void } = {}): Promise<IndexReport> {
    const next = this.indexing.catch(() => undefined).then(async () => {
      const embedder = await this.embedder();
      const opened = await this.store.write();
      let report: IndexReport;
      try {
        report = await indexMemory(this.root, opened.db, { embedder, ...options }, 'VS Code: indexing');
      } finally {
        this.store.release();
      }
      if (!options.paths) {
        await this.memento.update(INDEXED_KEY, true);
        this.watch();
      }
      this.log.info(`memory: indexed ${report.files} file(s) in ${report.ms.toFixed(0)} ms: ${report.added} added, ${report.changed} changed, ${report.removed} removed, ${report.chunksWritten} chunk(s) written, ${report.embedded} embedded${report.embedder ? ` with ${report.embedder}` : ' (keyword-only)'}${report.embedError ? `; embeddings stopped: ${report.embedError}` : ''}`);
      this._onDidIndex.fire(report);
      return report;
    });
    this.indexing = next;
    return next;
  }

  async search(query: string, limit = 10): Promise<SearchResult & { size: number }> {
    const opened = await this.store.read();
    const { search: memory } = await loadedSearch(opened.db, await this.embedder());
    if (memory.size === 0) throw new Error('nothing is indexed in this workspace yet: run "CodeCompanion: Index Workspace" first');
    return { ...(await memory.search(query, { limit })), size: memory.size };
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  private watch(): void {
    if (this.watcher) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.root), '**/*'));
    const changed = (uri: vscode.Uri) => this.changed(uri);
    this.watcher = [w, w.onDidChange(changed), w.onDidCreate(changed), w.onDidDelete(changed)];
    this.log.info('memory: watching the workspace to keep the index current');
  }

  private changed(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const rel = path.relative(this.root, uri.fsPath);
    if (!this.pending.add(rel)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  private async flush(): Promise<void> {
    const paths = this.pending.take();
    if (paths.length === 0) return;
    try {
      // a workspace never indexed in full here (autoIndex, or indexed by the CLI) is indexed in full once
      await this.index(this.memento.get<boolean>(INDEXED_KEY) ? { paths } : {});
    } catch (err) {
      this.log.warn(`memory: re-indexing ${paths.length} changed path(s) failed: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.forEach((d) => d.dispose());
    this.watcher = undefined;
    this._onDidIndex.dispose();
  }
}
