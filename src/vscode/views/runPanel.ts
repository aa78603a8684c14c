// One run in depth (a WebviewPanel): the whole event log, sent in chunks and drawn virtualized in
// the webview, the run's artifacts and patches; live while the run goes.
import * as vscode from 'vscode';
import { eventRow } from '../../app/dashboard/liveRun';
import type { RecordedEvent } from '../../core/events';
import { projectRun, type RunState } from '../../core/orchestrator/runState';
import type { ArtifactView, EventRow, PatchView, RunListItem, WebviewMessage } from '../../protocol/messages';
import type { StoredEvent } from '../../core/ports/eventStore';
import { panelFirstScreen } from '../../app/dashboard/panelMarkup';
import { tryParse, type RunController } from '../runController';
import { WebviewChannel, webviewHtml, webviewOptions } from './webviewChannel';
import { runWebviewCommand } from './webviewCommands';

/** The first rows go alone, so the panel shows them while the rest of a long run follows. */
const FIRST = 100;
const CHUNK = 5_000;
/** The rest of a run goes this long after its first rows at the latest, painted or not (a page that never paints). */
const PAINT_CEILING_MS = 10_000;

export class RunPanel implements vscode.Disposable {
  private static current: RunPanel | undefined;
  private readonly channel: WebviewChannel;
  private readonly disposables: vscode.Disposable[] = [];
  /** As stored (unparsed): a row needs only a summary; the fold over them parses, after the first rows are out. */
  private events: StoredEvent[] = [];
  private webviewReady = false;
  private loaded = false;
  private listed: RunListItem | undefined;
  private pending: RecordedEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private live: vscode.Disposable | undefined;
  /** When the run was picked: the panel's timings in the log count from here. */
  private openedAt = 0;
  private status: string = 'pending';
  private readonly waiting: Array<(shown: PanelShown | undefined) => void> = [];
  private lastShown: PanelShown | undefined;
  private disposed = false;
  /** Made while Show Run's list was open (performance.now()), for the log. */
  private preparedAt = 0;
  /** The page was made with the run's first rows in it (a panel made at the pick): they are not posted. */
  private firstInPage = false;
  /** How many of the run's first rows were posted ahead of the whole run's read (0: none), so it sends only the rest. */
  private firstPosted = 0;
  private readonly onPainted: Array<() => void> = [];
  lastRender: { rows: number; ms: number } | undefined;

  /**
   * Show Run's list has opened: the panel is made now, behind the list and without taking focus, its
   * page loading its script, so the time VS Code takes to make a webview overlaps the user's choosing;
   * the run picked is then posted into the page already there. A panel that exists but is hidden
   * (its page dropped) is brought back the same way. `cancel()` when nothing was picked: a panel
   * made for this pick is closed, one the user had open stays as it was.
   */
  static prepare(extensionUri: vscode.Uri, runs: RunController, log: vscode.LogOutputChannel): { cancel(): void } {
    const existing = RunPanel.current;
    if (existing) {
      if (!existing.panel.visible) {
        existing.preparedAt = performance.now();
        existing.panel.reveal(undefined, true);
      }
      return { cancel: () => undefined };
    }
    const panel = vscode.window.createWebviewPanel('codecompanion.runPanel', 'CodeCompanion Run', { viewColumn: vscode.ViewColumn.Active, preserveFocus: true }, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel', 'CodeCompanion Run', '<p class="muted">Pick a run in the list above to see its events here.</p>', 'now');
    const created = new RunPanel(panel, extensionUri, runs, log);
    created.preparedAt = performance.now();
    // its first rows go as soon as they are read, not a round trip after its script says ready
    created.channel.listening();
    log.info('run panel: made while Show Run lists the runs');
    RunPanel.current = created;
    return { cancel: () => !created.runId && created.dispose() };
  }

  /**
   * A panel already open (or made while the list was open) shows the run through its messages. A new
   * one reads the run's first rows (a page, whatever the run's length) and is created with them in its
   * page, so they are on screen before its script has loaded; the whole run is read after.
   */
  static async show(extensionUri: vscode.Uri, runs: RunController, log: vscode.LogOutputChannel, runId: string): Promise<RunPanel> {
    if (RunPanel.current) {
      RunPanel.current.open(runId);
      return RunPanel.current;
    }
    const pickedAt = performance.now();
    // the webview's frame starts (a placeholder page) while the run is read
    const panel = vscode.window.createWebviewPanel('codecompanion.runPanel', `Run ${runId.replace(/^run-/, '')}`, vscode.ViewColumn.Active, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel', 'CodeCompanion Run', '<p class="muted">Reading the run…</p>', 'none');
    const created = new RunPanel(panel, extensionUri, runs, log);
    created.firstInPage = true;
    RunPanel.current = created;
    const [page, listed] = await Promise.all([runs.storedEvents(runId, FIRST), runs.runInfo(runId)]);
    log.info(`run panel: first ${page.length} events read in ${(performance.now() - pickedAt).toFixed(0)} ms`);
    if (created.disposed || created.runId) {
      // closed while reading, or another run was asked for meanwhile
      if (!created.disposed && created.runId !== runId) return created;
      if (created.disposed) return RunPanel.show(extensionUri, runs, log, runId);
    }
    const total = Math.max(page.length, listed?.eventCount ?? 0);
    const first = panelFirstScreen({ runId, objective: listed?.objective ?? '', status: listed?.status ?? 'pending', total, rows: page.map(rowOf) });
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel', 'CodeCompanion Run', first);
    created.open(runId, pickedAt);
    return created;
  }

  static get instance(): RunPanel | undefined {
    return RunPanel.current;
  }

  private runId = '';

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly runs: RunController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.channel = new WebviewChannel(panel.webview, log, (m) => this.onMessage(m));
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
      // hidden, its page is dropped (no retainContextWhenHidden: one 10,000-row page kept alive per
      // panel is not worth it when the page comes back in about a second): what is posted meanwhile
      // waits for the page made again, which gets everything
      panel.onDidChangeViewState(() => {
        if (panel.visible || !this.webviewReady) return;
        this.webviewReady = false;
        this.firstPosted = 0;
        this.channel.reset();
      }),
    );
  }

  /** What the webview shows once it has drawn the run's event log: the run, its status and how many rows it holds. */
  shown(timeoutMs = 120_000): Promise<PanelShown | undefined> {
    if (this.lastShown?.runId === this.runId) return Promise.resolve(this.lastShown);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiting.push((shown) => {
        clearTimeout(timer);
        resolve(shown);
      });
    });
  }

  private open(runId: string, pickedAt = performance.now()): void {
    this.panel.reveal();
    if (runId === this.runId) return;
    this.openedAt = pickedAt;
    this.lastShown = undefined;
    this.runId = runId;
    this.panel.title = `Run ${runId.replace(/^run-/, '')}`;
    this.live?.dispose();
    this.live = this.runs.bus.subscribe((e) => this.onLiveEvent(e), { runId });
    void this.load();
  }

  private async load(): Promise<void> {
    this.loaded = false;
    this.firstPosted = 0;
    const runId = this.runId;
    if (!this.firstInPage) {
      // a page already made: the run's first rows go first (a page read), held by the channel until its script is ready
      const [page, listed] = await Promise.all([this.runs.storedEvents(runId, FIRST), this.runs.runInfo(runId)]);
      if (runId !== this.runId) return;
      this.listed = listed;
      this.sendFirst(Math.max(page.length, listed?.eventCount ?? 0), page);
      const posted = `run panel: first ${page.length} events posted ${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked${this.preparedAt ? ` (its page made ${(this.openedAt - this.preparedAt).toFixed(0)} ms before the pick)` : ''}`;
      // the rest once the page has painted the first rows: until then the machine's time (the workbench
      // and its webviews share one thread) goes to the page, not to reading and passing 10,000 rows
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, PAINT_CEILING_MS);
        this.onPainted.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (runId !== this.runId || this.disposed) return;
      this.log.info(posted);
    }
    this.firstInPage = false;
    const t0 = performance.now();
    const read = await readRun(this.runs, runId);
    if (runId !== this.runId) return;
    this.log.info(`run panel: ${read.events.length} events read in ${(performance.now() - t0).toFixed(0)} ms (${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked)`);
    this.events = read.events;
    this.listed = read.listed;
    this.loaded = true;
    // the webview gets everything once it has said ready (held messages would go twice otherwise)
    if (this.firstPosted) this.sendRest(this.firstPosted);
    else if (this.webviewReady) this.sendAll();
  }

  /** Header, count and the first screenful: a long run is on screen before it is all sent. */
  private sendFirst(total: number, first: readonly StoredEvent[]): void {
    const listed = this.listed;
    this.firstPosted = first.length;
    const status = listed?.status ?? 'pending';
    this.status = status;
    this.channel.post({ type: 'panel/init', runId: this.runId, objective: listed?.objective ?? '', status, total, artifacts: [], patches: [] });
    this.channel.post({ type: 'panel/events', rows: first.map(rowOf), reset: true });
  }

  private sendAll(): void {
    this.log.info(`run panel: first rows posted ${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked`);
    const first = this.events.slice(0, FIRST);
    this.sendFirst(this.events.length, first);
    this.sendRest(first.length);
  }

  /** The other rows, then the run's artifacts and patches (a fold over every event), after the first screen. */
  private sendRest(from: number): void {
    const runId = this.runId;
    setImmediate(() => {
      if (this.runId !== runId) return;
      for (let i = from; i < this.events.length; i += CHUNK) this.channel.post({ type: 'panel/events', rows: this.events.slice(i, i + CHUNK).map(rowOf), reset: false });
      const state = projectRun(runId, this.events.flatMap(tryParse));
      this.status = state.status;
      this.channel.post({ type: 'panel/update', status: state.status, artifacts: artifacts(state), patches: patches(state) });
    });
  }

  private onLiveEvent(e: RecordedEvent): void {
    this.pending.push(e);
    this.flushLiveSoon();
  }

  /** Live events go out in batches, after the run's read (which may hold them already: by seq). */
  private flushLiveSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (!this.loaded) return this.flushLiveSoon();
      const batch = this.pending;
      this.pending = [];
      const known = this.events.length ? this.events[this.events.length - 1]!.seq : 0;
      const fresh = batch.filter((x) => x.seq > known);
      this.events.push(...fresh);
      this.channel.post({ type: 'panel/events', rows: fresh.map(eventRow), reset: false });
      if (fresh.some((x) => x.type !== 'agent.call.streamed' && x.type !== 'budget.reserved' && x.type !== 'budget.released')) {
        const state = projectRun(this.runId, this.events.flatMap(tryParse));
        this.channel.post({ type: 'panel/update', status: state.status, artifacts: artifacts(state), patches: patches(state) });
      }
    }, 100);
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    if (m.type === 'ready') {
      // a webview that was hidden comes back empty: send it everything again
      const again = this.webviewReady;
      if (!again) this.log.info(`run panel: webview ready ${this.runId ? `${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked` : `${(performance.now() - this.preparedAt).toFixed(0)} ms after it was made, no run picked yet`}${startup(m)}; events ${this.loaded ? 'read' : 'not read yet'}`);
      this.webviewReady = true;
      // what was posted before its first ready was held by the channel and has just gone to it
      if (!again && this.firstPosted) return;
      // a page made again (it was hidden): it gets everything, or the whole run once read
      this.firstPosted = 0;
      if (this.loaded) this.sendAll();
      else for (const r of this.onPainted.splice(0)) r(); // the run's read goes on, and the page gets it all
    } else if (m.type === 'panel/painted') {
      if (m.runId === this.runId) {
        this.log.info(`run panel: its first ${m.rows} rows painted ${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked`);
        for (const r of this.onPainted.splice(0)) r();
      }
    } else if (m.type === 'panel/eventDetail') {
      const e = this.events.find((x) => x.seq === m.seq);
      if (e) this.channel.post({ type: 'panel/eventDetail', seq: m.seq, json: JSON.stringify({ seq: e.seq, ts: new Date(e.ts).toISOString(), type: e.type, data: e.data }, null, 2).slice(0, 200_000) });
    } else if (m.type === 'panel/rendered') {
      this.lastRender = { rows: m.rows, ms: m.ms };
      this.log.info(`run panel rendered ${m.rows} events in ${m.ms.toFixed(1)} ms (${(performance.now() - this.openedAt).toFixed(0)} ms after the run was picked)`);
      this.lastShown = { runId: this.runId, status: this.status, rows: m.rows };
      for (const w of this.waiting.splice(0)) w(this.lastShown);
    } else if (m.type === 'command') await runWebviewCommand({ ...m, runId: m.runId ?? this.runId });
  }

  dispose(): void {
    this.disposed = true;
    if (RunPanel.current === this) RunPanel.current = undefined;
    for (const w of this.waiting.splice(0)) w(undefined);
    for (const r of this.onPainted.splice(0)) r();
    clearTimeout(this.timer);
    this.live?.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/**
 * Where the page's start-up went, on its document's clock: in VS Code 1.99–1.100 the frame's navigation
 * waits about a second for a service worker registered anew for each webview (microsoft/vscode#245756).
 */
function startup(m: Extract<WebviewMessage, { type: 'ready' }>): string {
  if (m.loadedMs === undefined) return '';
  const at = (label: string, ms: number | undefined) => (ms === undefined ? '' : `, ${label} at ${ms.toFixed(0)} ms`);
  return ` (its document ${m.loadedMs.toFixed(0)} ms old${at('its frame reached the service worker', m.workerMs)}${at('its HTML written', m.writtenMs)}${at('its script run', m.scriptMs)})`;
}

interface RunRead {
  readonly events: StoredEvent[];
  readonly listed: RunListItem | undefined;
}

async function readRun(runs: RunController, runId: string): Promise<RunRead> {
  const [events, listed] = await Promise.all([runs.storedEvents(runId), runs.runInfo(runId)]);
  return { events, listed };
}

export interface PanelShown {
  readonly runId: string;
  readonly status: string;
  /** Rows the webview's event log holds. */
  readonly rows: number;
}

/** An event's row; an event this build cannot summarise (an older or newer shape) still gets one. */
function rowOf(e: StoredEvent): EventRow {
  try {
    return eventRow(e as RecordedEvent);
  } catch {
    return { seq: e.seq, ts: e.ts, type: e.type, summary: e.type };
  }
}

function artifacts(s: RunState): ArtifactView[] {
  return Object.values(s.artifacts)
    .filter((a) => a.kind !== 'CodePatch')
    .map((a) => ({ artifactId: a.artifactId, kind: a.kind, taskId: a.taskId, title: a.kind === 'SpecDoc' ? a.body.summary : a.kind === 'ReviewReport' ? `${a.body.verdict} (${a.body.score})` : a.kind === 'ValidationReport' ? `validator: ${a.body.verdict}` : a.body.passed ? 'check passed' : 'check failed', json: JSON.stringify(a.body, null, 2).slice(0, 50_000) }));
}

function patches(s: RunState): PatchView[] {
  return Object.values(s.patches).map((p) => {
    const a = s.artifacts[p.artifactId];
    return { patchId: p.patchId, taskId: p.taskId, model: `${p.provider}/${p.model}`, status: p.status, files: [...p.files], summary: a?.kind === 'CodePatch' ? a.body.summary : '' };
  });
}
