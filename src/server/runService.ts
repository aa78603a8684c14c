// The runs this server hosts: one at a time per workspace (the database has one writer), each with
// its own cancel switch, and a fan-out of its events to live subscribers as they become durable.
// A second POST /runs while one is going is answered 409 (documented); so is a run started while
// another process (a CLI run, the editor) holds the writer.
import * as path from 'node:path';
import { loadModels, SetupError } from '../app/engine';
import { parseRateLimits, providerLimits } from '../app/providerLimits';
import { SENSITIVE_PATHS_ENV, SensitivePaths } from '../core/patch/sensitivePaths';
import { embedderFrom } from '../app/memory';
import { performWork, type Work } from '../app/runWork';
import { proposeFinishedRun } from '../app/review/workspaceReview';
import type { WorkspaceStore } from '../app/workspaceStore';
import { parseEvent, type RecordedEvent, type RunOptions } from '../core/events';
import type { EventBus } from '../core/orchestrator/eventBus';
import { newRunId } from '../core/orchestrator/orchestrator';
import { projectRun } from '../core/orchestrator/runState';
import { ApiError } from './apiErrors';
import type { KeyRing } from './keyRing';

export interface RunServiceOptions {
  readonly root: string;
  readonly store: WorkspaceStore;
  readonly keys: KeyRing;
  /** Answer from this recorded session instead of the providers (tests, demos). */
  readonly replay?: string;
  /** The check command runs use unless a request brings one (and the server allows that). */
  readonly checkCommand: string | null;
  /** The team bus its runs are published on, in team mode. */
  readonly bus?: EventBus;
}

interface ActiveRun {
  readonly runId: string;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

type Listener = (event: RecordedEvent) => void;

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export class RunService {
  private active: ActiveRun | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly options: RunServiceOptions) {}

  get activeRunId(): string | undefined {
    return this.active?.runId;
  }

  async start(objective: string, options: Partial<RunOptions>): Promise<string> {
    const runId = newRunId(Date.now());
    const checkCommand = options.checkCommand !== undefined ? options.checkCommand : this.options.checkCommand;
    await this.launch(runId, { objective, runId, options: { ...options, checkCommand } });
    return runId;
  }

  async resume(runId: string): Promise<void> {
    const opened = await this.options.store.read();
    const events = (await opened.store.readRun(runId)).map(parseEvent);
    if (events.length === 0) throw new ApiError(404, 'no_such_run', `there is no run ${runId} in this workspace`);
    const state = projectRun(runId, events);
    if (FINISHED.has(state.status)) throw new ApiError(409, 'not_resumable', `run ${runId} is ${state.status}: only an interrupted or paused run can be resumed`);
    await this.launch(runId, { resume: runId });
  }

  /** Returns false when the run is not going in this server. */
  cancel(runId: string): boolean {
    if (this.active?.runId !== runId) return false;
    this.active.controller.abort(new Error('cancelled through the API'));
    return true;
  }

  /** Live events of a run hosted here, as they become durable. */
  subscribe(runId: string, listener: Listener): () => void {
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }

  async close(): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.controller.abort(new Error('the server is shutting down'));
    await active.done;
  }

  private async launch(runId: string, work: Work): Promise<void> {
    if (this.active) throw new ApiError(409, 'busy', `run ${this.active.runId} is in progress in this server: follow it at /runs/${this.active.runId}/events, or cancel it, then start another`);
    const env = this.options.keys.environment();
    let models;
    let extra;
    try {
      extra = {
        limits: providerLimits(parseRateLimits(env.CODECOMPANION_RATE_LIMITS, 'CODECOMPANION_RATE_LIMITS')),
        sensitive: { paths: SensitivePaths.fromList(env[SENSITIVE_PATHS_ENV]) }, // held, never auto-applied
        ...(this.options.bus ? { bus: this.options.bus } : {}),
      };
      models = loadModels({
        config: this.options.keys.config(),
        ...(this.options.replay ? { replay: path.resolve(this.options.replay) } : {}),
        ...(!this.options.replay && env.CODECOMPANION_MODELS ? { models: env.CODECOMPANION_MODELS } : {}),
        noProviderHint: 'no model provider is configured: PUT /keys/{provider} with a key, or start serve with a key in its environment',
      });
    } catch (err) {
      if (err instanceof SetupError) throw new ApiError(409, 'no_provider', err.message);
      throw new ApiError(400, 'bad_configuration', (err as Error).message.split('\n')[0]!);
    }
    const controller = new AbortController();
    let firstEvent!: () => void;
    const started = new Promise<void>((resolve) => (firstEvent = resolve));
    // claimed before the first await, so a concurrent request sees it
    const active: { runId: string; controller: AbortController; done: Promise<void> } = { runId, controller, done: Promise.resolve() };
    this.active = active;
    let opened;
    try {
      opened = await this.options.store.write();
    } catch (err) {
      this.active = undefined;
      throw new ApiError(409, 'workspace_busy', (err as Error).message);
    }
    const onEvent = (e: RecordedEvent) => {
      firstEvent();
      for (const l of this.listeners.get(e.runId) ?? []) {
        try {
          l(e);
        } catch {
          // a subscriber's failure is its own
        }
      }
    };
    let failure: Error | undefined;
    let visible = false;
    const embedder = this.options.replay ? undefined : embedderFrom(this.options.keys.config());
    const run = performWork({ root: this.options.root, opened, models, embedder, extra, onEvent: (e) => ((visible = true), onEvent(e)), signal: controller.signal }, work);
    active.done = run
      // what the run accepted and did not apply is pending review (GET /runs/{id}/review), as after a CLI run
      .then((final) => (final.status === 'completed' ? proposeFinishedRun(this.options.root, opened.store, final, 'revise' in work ? work.revise.patchId : undefined) : undefined))
      .then(
        () => undefined,
        (err: unknown) => void (failure = err instanceof Error ? err : new Error(String(err))),
      )
      .finally(() => {
        this.options.store.release();
        if (this.active === active) this.active = undefined;
        firstEvent();
      });
    // answer once the run is visible in the log (its first event is durable), or has ended trying
    await Promise.race([started, active.done]);
    if (!visible && failure) throw new ApiError(500, 'run_failed', failure.message.split('\n')[0]!);
  }
}
