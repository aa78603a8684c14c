// The run panel: the event log (virtualized), the selected event's JSON, artifacts and patches.
import type { ArtifactView, EventRow, HostMessage, PatchView, WebviewCommand } from '../src/protocol/messages';
import { h, icon } from './dom';
import { send } from './host';
import { VirtualList } from './virtualList';

const ROW = 22;

export class RunPanelView {
  private readonly list: VirtualList<EventRow>;
  private readonly header = h('header', { class: 'panel-head' });
  private readonly detail = h('pre', { class: 'detail', id: 'event-detail' }, 'Select an event to see it whole.');
  private readonly side = h('aside', { class: 'side' });
  private readonly count = h('span', { class: 'muted', id: 'event-count' });
  private selected = -1;
  private started = 0;
  private measured = false;
  private total = 0;
  private runId = '';

  private readonly body: HTMLElement;
  private mounted = false;

  /** The page may hold the host's static first screen: it stays until the host's first message replaces it. */
  constructor(private readonly root: HTMLElement) {
    const log = h('div', { class: 'log', id: 'event-log', tabindex: 0, role: 'list' });
    this.list = new VirtualList(log, ROW, (row) => this.row(row));
    this.body = h('div', { class: 'panel-body' }, h('section', { class: 'log-col' }, h('h3', {}, 'Events ', this.count), log, this.detail), this.side);
  }

  /** A finished run can be followed up: the sidebar's box takes it, with its objective and outcome. */
  private followUp(status: string): HTMLElement | string {
    if (status !== 'completed' && status !== 'failed' && status !== 'cancelled') return '';
    const runId = this.runId;
    return h('vscode-button', { id: 'panel-follow-up', secondary: true, icon: 'reply', title: 'Ask for more on top of this run, in the sidebar', onclick: () => send({ type: 'command', command: 'followUpRun', runId }) }, 'Follow Up');
  }

  handle(m: HostMessage): void {
    if (!this.mounted) {
      this.mounted = true;
      this.root.replaceChildren(this.header, this.body);
    }
    if (m.type === 'panel/init') {
      this.started = performance.now();
      this.measured = false;
      this.total = m.total;
      this.runId = m.runId;
      this.header.replaceChildren(h('h2', {}, m.objective || m.runId), h('span', { class: `status ${m.status}` }, m.status), this.followUp(m.status));
      this.sidebar(m.artifacts, m.patches);
    } else if (m.type === 'panel/update') {
      this.header.querySelector('.status')?.replaceWith(h('span', { class: `status ${m.status}` }, m.status));
      this.header.querySelector('#panel-follow-up')?.remove();
      this.header.append(this.followUp(m.status));
      this.sidebar(m.artifacts, m.patches);
    } else if (m.type === 'panel/events') {
      if (m.reset) {
        this.list.set([...m.rows]);
        // after the browser has painted them (the task after the next frame)
        const runId = this.runId;
        requestAnimationFrame(() => setTimeout(() => send({ type: 'panel/painted', runId, rows: m.rows.length })));
      } else this.list.append(m.rows);
      this.count.textContent = this.list.length >= this.total ? `(${this.list.length})` : `(${this.list.length} of ${this.total}, loading…)`;
      if (!this.measured && this.list.length >= this.total) {
        this.measured = true;
        // after the browser has laid the rows out
        requestAnimationFrame(() => send({ type: 'panel/rendered', rows: this.list.length, ms: performance.now() - this.started }));
      }
    } else if (m.type === 'panel/eventDetail') this.detail.textContent = m.json;
  }

  private row(r: EventRow): HTMLElement {
    const el = h('div', { class: `row${r.seq === this.selected ? ' selected' : ''} t-${r.type.split('.')[0]}`, role: 'listitem', title: r.summary, onclick: () => this.select(r.seq) },
      h('span', { class: 'seq' }, r.seq), h('span', { class: 'time' }, new Date(r.ts).toLocaleTimeString()), h('span', { class: 'type' }, r.type), h('span', { class: 'sum' }, r.summary));
    el.style.height = `${ROW}px`;
    return el;
  }

  private select(seq: number): void {
    this.selected = seq;
    this.list.draw();
    send({ type: 'panel/eventDetail', seq });
  }

  private sidebar(artifacts: readonly ArtifactView[], patches: readonly PatchView[]): void {
    const act = (command: WebviewCommand, patchId: string, label: string, secondary = true) => h('vscode-button', { secondary, onclick: () => send({ type: 'command', command, patchId }) }, label);
    this.side.replaceChildren(
      h('h3', {}, icon('git-pull-request'), ' Patches'),
      ...patches.map((p) => h('vscode-collapsible', { title: `${p.patchId} · ${p.status}`, open: p.status === 'accepted' },
        h('p', {}, p.summary), h('p', { class: 'muted' }, `${p.model} · ${p.files.join(', ')}`),
        p.status === 'accepted' ? h('div', { class: 'actions' }, act('reviewPatch', p.patchId, 'Diff'), act('acceptPatch', p.patchId, 'Accept', false), act('rejectPatch', p.patchId, 'Reject')) : null)),
      h('h3', {}, icon('file-code'), ' Artifacts'),
      ...artifacts.map((a) => h('vscode-collapsible', { title: `${a.kind} · ${a.taskId} · ${a.title}` }, h('pre', { class: 'json' }, a.json))),
    );
  }
}
