// The sidebar's objective box, host side: the draft's attachments (the active editor's file or
// selection; `@file` mentions resolved on send), the remembered budget and preset, a follow-up of a
// finished run, and the check command offer. The webview only ever sees names and sizes: it never
// reads a file, and attached text stays in this process's memory until the run records it.
import * as vscode from 'vscode';
import { attachableText, attachRefusal, offerable, rankFiles, relativePath } from '../../app/attachments';
import { followUpOf } from '../../app/followUp';
import { attachmentLabel, limitAttachments, MAX_ATTACHMENTS, type AttachmentCandidate, type RunGiven } from '../../core/agents/runGiven';
import type { SensitivePaths } from '../../core/patch/sensitivePaths';
import { parseMentions } from '../../protocol/mentions';
import type { BoxBudget, ChatState, HostMessage, WebviewMessage } from '../../protocol/messages';
import { rememberedRunSettings, rememberRunSettings } from '../commands/objectivePrompt';
import { runInteractive } from '../commands/runCommands';
import type { Companion } from '../companion';
import { modelSetup } from '../onboarding/onboarding';
import type { RunResult } from '../runController';
import { CheckSuggestion } from '../onboarding/checkSuggestion';

type ChatMessage = Extract<WebviewMessage, { type: `chat/${string}` }>;

interface DraftAttachment {
  readonly id: string;
  readonly path: string;
  /** A selection's lines and text, taken when attached; a whole file is read when sent. */
  readonly selection?: { readonly start: number; readonly end: number; readonly text: string };
  readonly chars: number;
}

/** The file list for mentions is read again after this long (files come and go). */
const FILE_LIST_TTL_MS = 10_000;
const MAX_LISTED_FILES = 5_000;

export class ChatBox {
  private attachments: DraftAttachment[] = [];
  private followUp: { runId: string; objective: string } | null = null;
  private notice: string | null = null;
  /** A send taken and not over (its run started and ended, or it failed): one at a time. */
  private sending = false;
  private nextId = 1;
  private files: { at: number; list: Promise<string[]> } | undefined;
  private readonly check: CheckSuggestion;

  constructor(
    private readonly c: Companion,
    private readonly sensitive: () => SensitivePaths,
    private readonly changed: () => void,
    private readonly post: (m: HostMessage) => void,
  ) {
    this.check = new CheckSuggestion(c.root, c.context.workspaceState);
  }

  state(): ChatState {
    const s = rememberedRunSettings(this.c.context.workspaceState);
    return {
      attachments: this.attachments.map((a) => ({ id: a.id, label: attachmentLabel({ path: a.path, ...(a.selection ? { lines: a.selection } : {}) }), kind: a.selection ? 'selection' : 'file', chars: a.chars })),
      budget: s.budgetUsd === undefined ? 'default' : s.budgetUsd,
      defaultBudgetUsd: vscode.workspace.getConfiguration('codecompanion').get<number | null>('budgetUsd') ?? null,
      preset: s.preset,
      followUp: this.followUp,
      checkSuggestion: this.check.offer(),
      notice: this.notice,
      starting: this.sending && !this.c.runs.isRunning,
    };
  }

  /** One chat message; a send resolves with its run's result (undefined when refused), mentions with the files offered. */
  async handle(m: ChatMessage): Promise<RunResult | string[] | undefined> {
    switch (m.type) {
      case 'chat/send':
        return this.send(m.text);
      case 'chat/attachEditor':
        this.attachEditor();
        break;
      case 'chat/detach':
        this.attachments = this.attachments.filter((a) => a.id !== m.id);
        this.notice = null;
        break;
      case 'chat/mentions': {
        const files = rankFiles(await this.workspaceFiles(), m.query);
        this.post({ type: 'chat/mentionResults', requestId: m.requestId, files });
        return files;
      }
      case 'chat/runSettings':
        await rememberRunSettings(this.c.context.workspaceState, { preset: m.preset, ...budgetSetting(m.budget) });
        break;
      case 'chat/followUp':
        await this.setFollowUp(m.runId);
        break;
      case 'chat/checkSuggestion': {
        const stored = await this.check.answer(m.accept);
        this.notice = stored ? `Each patch is now checked with \`${stored}\` (codecompanion.checkCommand in this workspace's settings).` : null;
        break;
      }
    }
    this.changed();
    return undefined;
  }

  private say(notice: string): undefined {
    this.notice = notice;
    this.changed();
    return undefined;
  }

  private attachEditor(): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return void this.say('Open a file first: Attach takes the active editor\'s selection, or its whole file.');
    const doc = editor.document;
    const rel = doc.uri.scheme === 'file' ? relativePath(this.c.root, doc.uri.fsPath) : undefined;
    if (!rel) return void this.say(`${doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString()} is not a file in this workspace folder: only its files can be attached.`);
    const refusal = attachRefusal(rel, this.sensitive());
    if (refusal) return void this.say(`Not attached: ${refusal}.`);
    if (this.attachments.length >= MAX_ATTACHMENTS) return void this.say(`Not attached: at most ${MAX_ATTACHMENTS} attachments a run.`);
    const sel = editor.selection;
    const id = `a${this.nextId++}`;
    if (sel.isEmpty) {
      if (!this.attachments.some((a) => a.path === rel && !a.selection)) this.attachments.push({ id, path: rel, chars: doc.getText().length });
    } else {
      // a selection that ends at column 0 of a line does not take that line
      const end = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
      const text = doc.getText(sel);
      this.attachments.push({ id, path: rel, selection: { start: sel.start.line + 1, end: end + 1, text }, chars: text.length });
    }
    this.notice = null;
  }

  private async setFollowUp(runId: string | null): Promise<void> {
    this.notice = null;
    if (runId === null) {
      this.followUp = null;
      return;
    }
    const run = await this.c.runs.runInfo(runId);
    if (!run) return void (this.notice = `There is no run ${runId} in this workspace.`);
    if (run.status !== 'completed' && run.status !== 'failed' && run.status !== 'cancelled') return void (this.notice = 'Only a finished run can be followed up: wait for it to end.');
    this.followUp = { runId, objective: run.objective };
  }

  private async send(text: string): Promise<RunResult | undefined> {
    const objective = text.trim();
    if (!objective) return this.refuse('Say what the agents should do first.');
    if (this.c.runs.isRunning) return this.refuse('A run is going: one run at a time. Cancel it or wait for it to end.');
    if (this.sending) return this.refuse('Already sending: wait for the run to start.');
    this.sending = true;
    let outcome: RunResult | 'no model' | undefined;
    try {
      outcome = await this.sendNow(objective);
    } finally {
      this.sending = false;
      this.changed();
    }
    if (outcome !== 'no model') return outcome;
    // the palette's Run Objective says how to set one up (a key, VS Code's models, the sample); the box is free meanwhile
    await vscode.commands.executeCommand('codecompanion.runObjective');
    return undefined;
  }

  private async sendNow(objective: string): Promise<RunResult | 'no model' | undefined> {
    if (!(await modelSetup(this.c.keys)).ready) {
      this.refuse('No model is set up yet.');
      return 'no model';
    }
    const gathered = await this.gather(objective);
    if ('refused' in gathered) return this.refuse(gathered.refused);
    const { attachments, refused } = limitAttachments(gathered.candidates);
    if (refused.length) return this.refuse(`Not sent: ${refused.map((r) => `${r.path} (${r.reason})`).join('; ')}. Remove some attachments.`);
    const followUp = this.followUp ? followUpOf(this.followUp.runId, await this.c.runs.events(this.followUp.runId)) : undefined;
    const given: RunGiven = { attachments, ...(followUp ? { followUp } : {}) };
    // names and sizes only: attached text never goes to the log
    if (attachments.length || followUp) this.c.log.info(`chat: ${attachments.map((a) => `${attachmentLabel(a)} (${a.text.length} chars${a.truncated ? ', cut short' : ''})`).join(', ') || 'no attachment'}${followUp ? `; follows up ${followUp.runId}` : ''}`);
    this.attachments = [];
    this.followUp = null;
    this.notice = gathered.unresolved.length ? `Not attached (no such file in the workspace): ${gathered.unresolved.map((p) => `@${p}`).join(', ')}.` : null;
    this.post({ type: 'chat/sent', clear: true });
    this.changed();
    try {
      return await runInteractive(this.c, objective, {}, given);
    } catch (err) {
      this.say(`The run did not start: ${(err as Error).message}`);
      throw err;
    }
  }

  private refuse(notice: string): undefined {
    this.post({ type: 'chat/sent', clear: false });
    return this.say(notice);
  }

  /** The draft's attachments and the text's mentions, read now; a sensitive or unreadable one refuses the send. */
  private async gather(objective: string): Promise<{ candidates: AttachmentCandidate[]; unresolved: string[] } | { refused: string }> {
    const candidates: AttachmentCandidate[] = [];
    const unresolved: string[] = [];
    const sensitive = this.sensitive();
    for (const a of this.attachments) {
      if (a.selection) {
        candidates.push({ path: a.path, lines: { start: a.selection.start, end: a.selection.end }, text: a.selection.text });
        continue;
      }
      const read = await this.read(a.path);
      if ('refused' in read) return { refused: `Not sent: ${read.refused}.` };
      candidates.push({ path: a.path, text: read.text });
    }
    for (const mention of parseMentions(objective)) {
      const rel = relativePath(this.c.root, mention);
      if (!rel) return { refused: `Not sent: @${mention} is outside this workspace folder.` };
      const refusal = attachRefusal(rel, sensitive);
      if (refusal) return { refused: `Not sent: ${refusal}. Remove the mention to run without it.` };
      if (!(await this.isFile(rel))) {
        unresolved.push(mention);
        continue;
      }
      const read = await this.read(rel);
      if ('refused' in read) return { refused: `Not sent: ${read.refused}.` };
      candidates.push({ path: rel, text: read.text });
    }
    return { candidates, unresolved };
  }

  /** The text as the editor has it (unsaved edits included), else as on disk. */
  private async read(rel: string): Promise<{ text: string } | { refused: string }> {
    const uri = vscode.Uri.joinPath(vscode.Uri.file(this.c.root), rel);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return { text: open.getText() };
    try {
      return attachableText(rel, await vscode.workspace.fs.readFile(uri));
    } catch (err) {
      return { refused: `${rel} could not be read (${(err as Error).message})` };
    }
  }

  private async isFile(rel: string): Promise<boolean> {
    try {
      return (await vscode.workspace.fs.stat(vscode.Uri.joinPath(vscode.Uri.file(this.c.root), rel))).type === vscode.FileType.File;
    } catch {
      return false;
    }
  }

  /** The workspace's files as the editor lists them (files.exclude applies), less .gitignore'd, protected and sensitive ones. */
  private workspaceFiles(): Promise<string[]> {
    if (!this.files || Date.now() - this.files.at > FILE_LIST_TTL_MS) {
      const folder = vscode.Uri.file(this.c.root);
      const list = Promise.resolve(vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*'), excludeGlob(), MAX_LISTED_FILES)).then((uris) => {
        const rels = uris.map((u) => relativePath(this.c.root, u.fsPath)).filter((p): p is string => p !== undefined);
        return offerable(this.c.root, rels, this.sensitive()).sort();
      });
      this.files = { at: Date.now(), list };
    }
    return this.files.list;
  }
}

function budgetSetting(budget: BoxBudget): { budgetUsd?: number | null } {
  if (budget === 'default') return {};
  return { budgetUsd: budget === 0 ? null : budget };
}

/**
 * files.exclude's patterns, and the folders no one mentions (dependencies, our own state), which would
 * otherwise fill the listing's cap before the workspace's own files (.gitignore is applied after).
 */
function excludeGlob(): string {
  const configured = vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude') ?? {};
  const patterns = Object.entries(configured).filter(([, on]) => on === true).map(([glob]) => glob);
  return `{${[...patterns, '**/node_modules/**', '**/.git/**', '**/.codecompanion/**'].join(',')}}`;
}
