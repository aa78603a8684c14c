// The objective box at the top of the sidebar, built once and kept (the dashboard below it is drawn
// again with every state): what the user types, and where the caret is, survive the run's updates.
// Enter sends, Shift+Enter starts a new line; `@` completes workspace files the host lists; Attach
// takes the active editor's selection or file. Everything shown is text: names from the host, never
// markup. The webview reads no file: attachments are the host's, by id.
import type { ChatState, HostMessage } from '../src/protocol/messages';
import { parseBudget } from './budget';
import { completeMention, mentionAt, type MentionQuery } from '../src/protocol/mentions';
import { h, icon, usd } from './dom';
import { send } from './host';
import { decideSend, refusalHolds, sendView } from './sendGate';

export class ChatBoxView {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly chips: HTMLElement;
  private readonly followUp: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly offer: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly budget: HTMLInputElement;
  private readonly preset: HTMLSelectElement;
  private readonly sendButton: HTMLElement;
  /** Says what the box is doing (sending) and why an Enter did not send: in the box, not only in a log. */
  private readonly status: HTMLElement;
  private refused: string | null = null;
  private state: ChatState | undefined;
  private running = false;
  /** From Enter until the host answers; then the host's word (`starting`) until its run is going. */
  private sending = false;
  private starting = false;
  private request = 0;
  private mention: MentionQuery | undefined;
  private options: string[] = [];
  private active = 0;

  constructor() {
    this.input = h('textarea', {
      id: 'objective',
      rows: 3,
      placeholder: 'What should the agents do? e.g. add pagination to the users API. @ mentions a file.',
      'aria-describedby': 'chat-help',
      'aria-autocomplete': 'list',
      'aria-controls': 'mention-list',
      'aria-expanded': 'false',
      role: 'combobox',
      'aria-multiline': 'true',
      spellcheck: 'true',
      onkeydown: (e) => this.onKey(e as KeyboardEvent),
      oninput: () => this.onInput(),
      onblur: () => setTimeout(() => this.closeList(), 150),
    });
    this.list = h('ul', { id: 'mention-list', class: 'mentions', role: 'listbox', 'aria-label': 'Workspace files', hidden: true });
    this.chips = h('ul', { class: 'chips', id: 'attachments', 'aria-label': 'Attached' });
    this.followUp = h('div', { class: 'follow-up', id: 'follow-up', hidden: true });
    this.notice = h('p', { class: 'note', id: 'chat-notice', role: 'status', hidden: true });
    this.status = h('p', { class: 'note', id: 'chat-state', role: 'status', hidden: true });
    this.offer = h('div', { class: 'note offer', id: 'check-offer', hidden: true });
    this.budget = h('input', { id: 'chat-budget', type: 'text', inputmode: 'decimal', size: 6, 'aria-describedby': 'chat-budget-help', onchange: () => this.settingsChanged() });
    this.preset = h('select', { id: 'chat-preset', onchange: () => this.settingsChanged() },
      h('option', { value: 'balanced' }, 'balanced'), h('option', { value: 'economy' }, 'economy'), h('option', { value: 'quality' }, 'quality'));
    this.sendButton = h('vscode-button', { id: 'chat-send', icon: 'send', onclick: () => this.send() }, 'Send');
    this.element = h('section', { class: 'chat', id: 'chat-box', 'aria-label': 'Objective' },
      this.followUp,
      h('label', { for: 'objective', class: 'visually-hidden' }, 'Objective'),
      // the chips above the text, as chat boxes show what a message carries: the completion list
      // opens under the text, over the buttons, and never hides them
      this.chips,
      h('div', { class: 'composer' }, this.input, this.list),
      h('div', { class: 'chat-bar' },
        h('vscode-button', { id: 'chat-attach', secondary: true, icon: 'add', title: "Attach the active editor's selection, or its whole file", onclick: () => send({ type: 'chat/attachEditor' }) }, 'Attach'),
        h('label', { for: 'chat-budget', class: 'field' }, 'Budget $', this.budget),
        h('label', { for: 'chat-preset', class: 'field' }, 'Models', this.preset),
        this.sendButton,
      ),
      h('p', { class: 'muted help', id: 'chat-help' }, 'Enter sends · Shift+Enter new line · @ mentions a file'),
      h('p', { class: 'visually-hidden', id: 'chat-budget-help' }, 'USD per run; empty for the codecompanion.budgetUsd setting; 0 for no budget'),
      this.status,
      this.notice,
      this.offer,
    );
  }

  update(chat: ChatState | undefined, running: boolean): void {
    this.state = chat;
    this.running = running;
    this.starting = chat?.starting === true;
    // a refusal holds while its reason does
    this.refused = refusalHolds(this.refused, { running, sending: this.busy() });
    this.element.hidden = !chat;
    if (!chat) return;
    this.chips.replaceChildren(...chat.attachments.map((a) =>
      h('li', { class: 'chip', 'data-kind': a.kind, title: `${a.label}: ${a.chars.toLocaleString()} characters` },
        icon(a.kind === 'selection' ? 'list-selection' : 'file'), ` ${a.label}`,
        h('button', { class: 'chip-remove', type: 'button', 'aria-label': `Remove ${a.label}`, onclick: () => send({ type: 'chat/detach', id: a.id }) }, '×'),
      )));
    this.followUp.hidden = !chat.followUp;
    this.followUp.replaceChildren(...(chat.followUp ? [
      icon('reply'), ' Follows up: ', h('span', { class: 'objective-line', title: chat.followUp.objective.slice(0, 2000) }, chat.followUp.objective.slice(0, 200)),
      h('button', { class: 'chip-remove', type: 'button', 'aria-label': 'Start a fresh run instead', onclick: () => send({ type: 'chat/followUp', runId: null }) }, '×'),
    ] : []));
    this.notice.hidden = !chat.notice;
    this.notice.textContent = chat.notice ?? '';
    this.offer.hidden = !chat.checkSuggestion;
    this.offer.replaceChildren(...(chat.checkSuggestion ? [
      icon('beaker'), ' Use ', h('code', {}, chat.checkSuggestion), ' to validate changes? It runs on each patch in a scratch copy, only once you say yes.',
      h('div', { class: 'actions' },
        h('vscode-button', { id: 'check-accept', onclick: () => send({ type: 'chat/checkSuggestion', accept: true }) }, `Use ${chat.checkSuggestion}`),
        h('vscode-button', { id: 'check-decline', secondary: true, onclick: () => send({ type: 'chat/checkSuggestion', accept: false }) }, 'Not now'),
      ),
    ] : []));
    // never overwrite what the user is typing in the field
    if (document.activeElement !== this.budget) {
      this.budget.value = chat.budget === 'default' ? '' : chat.budget === null ? '0' : String(chat.budget);
      this.budget.placeholder = chat.defaultBudgetUsd === null ? 'none' : String(chat.defaultBudgetUsd);
      this.budget.removeAttribute('aria-invalid');
    }
    this.budget.title = chat.budget === 'default' ? `the codecompanion.budgetUsd setting: ${chat.defaultBudgetUsd === null ? 'no budget' : usd(chat.defaultBudgetUsd)}` : chat.budget === null ? 'no budget' : `${usd(chat.budget)} per run`;
    if (document.activeElement !== this.preset) this.preset.value = chat.preset;
    this.syncSend();
  }

  /** Messages for the box: mention results, and the host's word that a send was taken or refused. */
  handle(m: HostMessage): void {
    if (m.type === 'chat/mentionResults' && m.requestId === this.request) this.showList(m.files);
    else if (m.type === 'chat/focus') this.focus();
    else if (m.type === 'chat/sent') {
      this.sending = false;
      // taken: its run is starting, and "already sending" still true until it goes; refused: the host's notice says why
      if (!m.clear) this.refused = null;
      if (m.clear) this.input.value = '';
      this.syncSend();
    }
  }

  focus(): void {
    this.input.focus();
  }

  private syncSend(): void {
    const view = sendView({ running: this.running, sending: this.busy() }, this.refused);
    if (view.disabled) this.sendButton.setAttribute('disabled', '');
    else this.sendButton.removeAttribute('disabled');
    this.sendButton.title = view.title;
    if (this.sendButton.textContent !== view.label) this.sendButton.textContent = view.label;
    this.status.hidden = view.line === null;
    this.status.textContent = view.line ?? '';
    // while sending the text is the one on its way: it cannot change under it
    this.input.readOnly = this.sending;
    this.input.setAttribute('aria-busy', String(this.busy()));
  }

  private busy(): boolean {
    return this.sending || this.starting;
  }

  private send(): void {
    const decision = decideSend({ running: this.running, sending: this.busy() }, this.input.value);
    if (!decision.send) {
      this.refused = decision.say ?? null;
      return this.syncSend();
    }
    this.refused = null;
    this.sending = true;
    this.syncSend();
    this.closeList();
    send({ type: 'chat/send', text: this.input.value });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.isComposing) return;
    const open = !this.list.hidden && this.options.length > 0;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      this.active = (this.active + (e.key === 'ArrowDown' ? 1 : this.options.length - 1)) % this.options.length;
      this.markActive();
    } else if (open && (e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) {
      e.preventDefault();
      this.pick(this.options[this.active]!);
    } else if (open && e.key === 'Escape') {
      e.preventDefault();
      this.closeList();
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      this.send();
    }
  }

  private onInput(): void {
    this.mention = mentionAt(this.input.value, this.input.selectionStart ?? this.input.value.length);
    if (!this.mention) return this.closeList();
    send({ type: 'chat/mentions', requestId: ++this.request, query: this.mention.query });
  }

  private showList(files: readonly string[]): void {
    if (!this.mention) return;
    this.options = [...files];
    this.active = 0;
    this.list.replaceChildren(...(files.length
      ? files.map((f, i) => h('li', { role: 'option', id: `mention-${i}`, 'data-path': f, onmousedown: (e) => { e.preventDefault(); this.pick(f); } }, f))
      : [h('li', { class: 'muted', 'aria-disabled': 'true' }, 'no matching file')]));
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.markActive();
  }

  private markActive(): void {
    [...this.list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    if (this.options.length) this.input.setAttribute('aria-activedescendant', `mention-${this.active}`);
  }

  private pick(path: string): void {
    if (!this.mention) return;
    const done = completeMention(this.input.value, this.mention, this.input.selectionStart ?? this.input.value.length, path);
    this.input.value = done.text;
    this.input.setSelectionRange(done.caret, done.caret);
    this.closeList();
    this.input.focus();
  }

  private closeList(): void {
    this.mention = undefined;
    this.options = [];
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private settingsChanged(): void {
    const budget = parseBudget(this.budget.value);
    if (budget === undefined) {
      this.budget.setAttribute('aria-invalid', 'true');
      this.notice.hidden = false;
      this.notice.textContent = 'Budget: an amount in USD (e.g. 0.50), empty for the setting, 0 for none.';
      return;
    }
    this.budget.removeAttribute('aria-invalid');
    const preset = this.preset.value === 'economy' || this.preset.value === 'quality' ? this.preset.value : 'balanced';
    send({ type: 'chat/runSettings', budget, preset });
  }
}
