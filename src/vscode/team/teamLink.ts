// Team mode in the editor: `codecompanion.redis.url` names the team's Redis and its password lives in
// SecretStorage (never in settings). With it set, the runs of this window are published as the CLI's
// `run --redis` publishes them, and "Follow Team Runs" shows every machine's runs read-only in the
// dashboard and one run's events, live, in an output channel. Without it nothing changes.
import * as vscode from 'vscode';
import { RUN_LIMIT, teamEventLine, TeamRuns } from '../../app/team/teamRuns';
import type { TeamView } from '../../protocol/messages';
import type { EventBus } from '../../core/orchestrator/eventBus';
import type { EventStore } from '../../core/ports/eventStore';
import { connectTeam, parseRedisUrl, redactRedisUrl, TeamBusError, type TeamClient } from '../../team/redisConnection';
import { openTeamBus } from '../../team/teamBus';
import { DEFAULT_TRIM } from '../../team/teamStreams';

const PASSWORD_SECRET = 'codecompanion.redis.password';

/** What the dashboard shows of the team, and what a caller of the follow command gets back. */
export type TeamState = TeamView;

export class TeamLink implements vscode.Disposable {
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private watcher: { client: TeamClient; runs: TeamRuns; url: string } | undefined;
  private following: { runId: string; events: number; ended: boolean; stop: AbortController } | undefined;
  private channel: vscode.OutputChannel | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The configured URL with the stored password in it, or undefined when team mode is off. */
  async url(): Promise<string | undefined> {
    const raw = vscode.workspace.getConfiguration('codecompanion').get<string>('redis.url')?.trim();
    if (!raw) return undefined;
    const u = parseRedisUrl(raw);
    if (u.password) throw new TeamBusError('the setting codecompanion.redis.url holds a password, and settings are plain text: remove it from the URL and store it with "CodeCompanion: Set Team Redis Password"');
    const password = await this.secrets.get(PASSWORD_SECRET);
    if (password) {
      if (!u.username) u.username = '';
      u.password = encodeURIComponent(password);
    }
    return u.toString();
  }

  /** From the palette: asked for (hidden). A caller may pass `{ password }`; an empty one removes it. */
  async setPassword(arg?: unknown): Promise<void> {
    const given = typeof arg === 'object' && arg !== null && typeof (arg as { password?: unknown }).password === 'string' ? (arg as { password: string }).password : undefined;
    const value = given ?? await vscode.window.showInputBox({ title: "CodeCompanion: the team Redis's password", prompt: 'Stored in VS Code SecretStorage, never in settings. Leave empty to remove it.', password: true, ignoreFocusOut: true });
    if (value === undefined) return;
    if (value) await this.secrets.store(PASSWORD_SECRET, value);
    else await this.secrets.delete(PASSWORD_SECRET);
    await this.restart();
  }

  /**
   * For one run of this window: publishes its durable events to the team's Redis. A team that cannot be
   * reached never stops the run: it is said in the log and the run goes on, local only.
   */
  async publishRun(store: Pick<EventStore, 'readRun' | 'listRuns'>, bus: EventBus, root: string): Promise<{ close(): Promise<void> } | undefined> {
    let url: string | undefined;
    try {
      url = await this.url();
      if (!url) return undefined;
      const team = await openTeamBus(url, store, root, DEFAULT_TRIM, (s) =>
        s.state === 'ok' ? this.log.info('team bus: back, caught up from the local log') : this.log.warn(`team bus degraded (${s.reason}): the run goes on from the local log`),
      );
      const subscription = bus.subscribe((e) => team.publisher.publish(e));
      this.log.info(`team bus: publishing this run to ${redactRedisUrl(url)}`);
      return {
        close: async () => {
          subscription.dispose();
          await team.close();
        },
      };
    } catch (err) {
      this.log.warn(`team bus: not publishing this run: ${url ? scrub((err as Error).message, url) : (err as Error).message}`);
      return undefined;
    }
  }

  /** Starts following the team (the dashboard's Team runs), then the picked run's events, live. */
  async follow(runId?: string): Promise<TeamState> {
    if (!this.watcher && !(await this.url())) {
      // team mode is off: the way to turn it on (the state says so too: no URL, no runs)
      void vscode.window.showWarningMessage('CodeCompanion: set codecompanion.redis.url (redis:// or rediss://) to follow your team’s runs; its password goes in SecretStorage (Set Team Redis Password).', 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'codecompanion.redis.url');
      });
      return this.state();
    }
    const runs = await this.watch();
    if (!runId) {
      const picked = await vscode.window.showQuickPick(
        runs.list().map((r) => ({ label: r.objective, description: `${r.status} · ${r.host} · ${r.workspace}`, detail: `${r.runId} · ${new Date(r.updatedAt).toLocaleString()}`, runId: r.runId })),
        { title: `CodeCompanion: team runs (the newest ${RUN_LIMIT})`, placeHolder: runs.list().length ? 'Pick a run to follow its events' : 'No team run yet: the dashboard lists them as they start', matchOnDescription: true },
      );
      if (!picked) return this.state();
      runId = picked.runId;
    }
    this.followRun(runs, runId);
    return this.state();
  }

  state(): TeamState {
    const w = this.watcher;
    const f = this.following;
    return { url: w ? redactRedisUrl(w.url) : '', bus: w?.runs.status ?? { state: 'ok' }, runs: w?.runs.list() ?? [], followed: f ? { runId: f.runId, events: f.events, ended: f.ended } : null };
  }

  get active(): boolean {
    return this.watcher !== undefined;
  }

  private async watch(): Promise<TeamRuns> {
    if (this.watcher) return this.watcher.runs;
    const url = await this.url();
    if (!url) throw new TeamBusError('team mode is off: codecompanion.redis.url is not set');
    let client: TeamClient;
    try {
      client = await connectTeam(url);
    } catch (err) {
      throw new TeamBusError(scrub((err as Error).message, url));
    }
    const runs = new TeamRuns(client, () => this._onDidChange.fire());
    this.watcher = { client, runs, url };
    await runs.start();
    this.log.info(`team: following the runs on ${redactRedisUrl(url)}`);
    return runs;
  }

  private followRun(runs: TeamRuns, runId: string): void {
    this.following?.stop.abort();
    const channel = (this.channel ??= vscode.window.createOutputChannel('CodeCompanion Team Run'));
    channel.clear();
    channel.show(true);
    const f = { runId, events: 0, ended: false, stop: new AbortController() };
    this.following = f;
    channel.appendLine(`following ${runId} (read-only)`);
    void (async () => {
      try {
        for await (const e of runs.follow(runId, f.stop.signal)) {
          f.events++;
          const line = teamEventLine(e);
          if (line) channel.appendLine(line);
        }
        f.ended = !f.stop.signal.aborted;
        if (f.ended) channel.appendLine('(the run ended)');
      } catch (err) {
        channel.appendLine(`stopped following: ${(err as Error).message}`);
      } finally {
        this._onDidChange.fire();
      }
    })();
  }

  /** The password changed: a window following the team reconnects with it (if team mode is still on). */
  private async restart(): Promise<void> {
    if (!this.watcher) return;
    await this.stop();
    const url = await this.url().catch(() => undefined);
    if (url) await this.watch().catch((err: Error) => this.log.warn(`team: ${err.message}`));
  }

  private async stop(): Promise<void> {
    this.following?.stop.abort();
    this.following = undefined;
    const w = this.watcher;
    this.watcher = undefined;
    if (!w) return;
    await w.runs.close();
    try {
      w.client.destroy();
    } catch {
      // already closed
    }
  }

  dispose(): void {
    void this.stop();
    this.channel?.dispose();
    this._onDidChange.dispose();
  }
}

/** A message with the URL's password taken out, whatever form it took in the text. */
function scrub(message: string, url: string): string {
  let out = message;
  try {
    const u = new URL(url);
    for (const secret of [u.password, decodeURIComponent(u.password)]) if (secret) out = out.split(secret).join('***');
    out = out.split(url).join(redactRedisUrl(url));
  } catch {
    // not a URL: nothing of it to take out
  }
  return out;
}
