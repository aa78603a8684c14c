// Every message between the extension host and a webview, each declared once as a zod schema.
// Both sides parse what they receive: a message from a webview is untrusted input, and a message
// from the host may come from an older or newer build after a reload. The schemas are zod/mini
// (functional: z.optional(x), x.check(z.maxLength(n))): the webview's bundle parses with them too,
// and full zod would be most of that bundle and of the time a webview takes to start.
import * as z from 'zod/mini';
import { PROVIDER_IDS } from '../core/ports/model';

const Provider = z.enum(PROVIDER_IDS);
const Role = z.enum(['planner', 'coder', 'reviewer', 'validator', 'tester']);
const RunStatus = z.enum(['pending', 'running', 'paused', 'completed', 'failed', 'cancelled']);
const Id = z.string().check(z.minLength(1), z.maxLength(200));

export const RunListItemSchema = z.object({
  runId: Id,
  objective: z.string(),
  status: RunStatus,
  costUsd: z.number(),
  updatedAt: z.number(),
  eventCount: z.int(),
  /** Patches that passed review (what the run produced for the user), when known. */
  forReview: z.optional(z.int()),
});

export const AgentRowSchema = z.object({
  callId: Id,
  taskId: z.string(),
  role: Role,
  provider: Provider,
  model: z.string(),
  /** `cancelled`: the call stopped because the run was cancelled, which is not a failure. */
  status: z.enum(['running', 'valid', 'invalid', 'failed', 'cancelled']),
  /** The last few hundred characters the agent streamed: the live part of the timeline. */
  streamTail: z.string(),
  /** Once the call has produced its artifact or failed: what came of it, in one line. */
  outcome: z.optional(z.string().check(z.maxLength(300))),
  costUsd: z.nullable(z.number()),
  tokens: z.int(),
  durationMs: z.number(),
  startedAt: z.number(),
});

export const PerfRowSchema = z.object({
  provider: Provider,
  model: z.string(),
  calls: z.int(),
  valid: z.int(),
  failed: z.int(),
  avgMs: z.number(),
  costUsd: z.number(),
  /** Mean reviewer score of the patches it wrote in this role. */
  avgScore: z.nullable(z.number()),
  role: z.optional(Role),
  p50Ms: z.optional(z.nullable(z.number())),
  p95Ms: z.optional(z.nullable(z.number())),
  /** Share of the router's choices for the role that picked this model. */
  routerShare: z.optional(z.nullable(z.number())),
});

export const QualityRowSchema = z.object({
  patchId: Id,
  taskTitle: z.string(),
  status: z.string(),
  reviews: z.array(z.object({ model: z.string(), verdict: z.enum(['approve', 'reject']), score: z.number() })),
  decision: z.nullable(z.enum(['accept', 'reject'])),
  pendingHunks: z.int(),
});

export const CurrentRunSchema = z.object({
  runId: Id,
  objective: z.string(),
  status: RunStatus,
  spentUsd: z.number(),
  reservedUsd: z.number(),
  budgetUsd: z.nullable(z.number()),
  error: z.nullable(z.string()),
  /** When the run started (ms since the epoch), for the header's date. */
  startedAt: z.optional(z.nullable(z.number())),
  /** Patches that passed review and wait for the user. */
  forReview: z.optional(z.int()),
  /** A completed run that produced nothing to review says so, in one line. */
  problem: z.optional(z.string()),
  agents: z.array(AgentRowSchema),
  quality: z.array(QualityRowSchema),
  perf: z.array(PerfRowSchema),
  /** Cumulative spend after each finished call: seconds since the run started, USD. */
  costSeries: z.array(z.object({ t: z.number(), usd: z.number() })),
  tokensByRole: z.array(z.object({ role: Role, input: z.int(), output: z.int() })),
});

/** The team's runs on its Redis (Follow Team Runs), read-only; null while the window does not follow the team. */
export const TeamViewSchema = z.object({
  url: z.string(),
  bus: z.discriminatedUnion('state', [z.object({ state: z.literal('ok') }), z.object({ state: z.literal('degraded'), reason: z.string() })]),
  runs: z.array(z.object({ runId: Id, host: z.string(), workspace: z.string(), objective: z.string(), status: z.enum(['running', 'completed', 'failed', 'cancelled']), updatedAt: z.number() })),
  followed: z.nullable(z.object({ runId: Id, events: z.int(), ended: z.boolean() })),
});

export const PresetSchema = z.enum(['balanced', 'economy', 'quality']);
/** The objective box's budget: an amount, null for none, 'default' for the codecompanion.budgetUsd setting. */
export const BoxBudgetSchema = z.union([z.number().check(z.nonnegative(), z.lte(1_000_000)), z.null(), z.literal('default')]);

/** The chat box: what is attached (names and sizes, never the text), the run settings, a follow-up, an offer. */
export const ChatStateSchema = z.object({
  attachments: z.array(z.object({ id: Id, label: z.string(), kind: z.enum(['file', 'selection']), chars: z.int() })),
  budget: BoxBudgetSchema,
  /** The codecompanion.budgetUsd setting, what 'default' stands for. */
  defaultBudgetUsd: z.nullable(z.number()),
  preset: PresetSchema,
  /** The finished run the next objective follows up, if the user chose one. */
  followUp: z.nullable(z.object({ runId: Id, objective: z.string() })),
  /** A check command found in the workspace, offered once (trusted workspaces with none set). */
  checkSuggestion: z.nullable(z.string()),
  /** The last thing the box has to say (an attachment refused, a run going), in one line. */
  notice: z.nullable(z.string()),
  /** A send the host took is on its way: its run not going yet (the box refuses another Enter meanwhile). */
  starting: z.optional(z.boolean()),
});

export const DashboardStateSchema = z.object({
  runs: z.array(RunListItemSchema),
  current: z.nullable(CurrentRunSchema),
  keys: z.array(z.object({ provider: Provider, hasKey: z.boolean() })),
  trusted: z.boolean(),
  running: z.boolean(),
  /** The review in progress: hunks by decision. */
  review: z.nullable(z.object({ runId: Id, pending: z.int(), accepted: z.int(), rejected: z.int(), conflict: z.int() })),
  canRollback: z.boolean(),
  team: z.optional(z.nullable(TeamViewSchema)),
  chat: z.optional(ChatStateSchema),
});

export const EventRowSchema = z.object({ seq: z.int(), ts: z.number(), type: z.string(), summary: z.string() });

export const ArtifactViewSchema = z.object({ artifactId: Id, kind: z.string(), taskId: z.string(), title: z.string(), json: z.string() });

export const PatchViewSchema = z.object({
  patchId: Id,
  taskId: z.string(),
  model: z.string(),
  status: z.string(),
  files: z.array(z.string()),
  summary: z.string(),
});

/** Host commands a webview may ask for; the host re-checks trust and arguments itself. */
export const WebviewCommandSchema = z.enum(['runObjective', 'cancelRun', 'resumeRun', 'showRun', 'acceptAll', 'rejectAll', 'rollbackRun', 'setApiKey', 'openSettings', 'reviewPatch', 'acceptPatch', 'rejectPatch', 'changeRunSettings', 'followTeamRuns', 'followUpRun']);

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dashboard/state'), state: DashboardStateSchema }),
  z.object({
    type: z.literal('panel/init'),
    runId: Id,
    objective: z.string(),
    status: RunStatus,
    total: z.int(),
    artifacts: z.array(ArtifactViewSchema),
    patches: z.array(PatchViewSchema),
  }),
  /** The run moved on: its status, artifacts and patches as they are now. */
  z.object({ type: z.literal('panel/update'), status: RunStatus, artifacts: z.array(ArtifactViewSchema), patches: z.array(PatchViewSchema) }),
  /** Event rows in seq order, sent in chunks; `reset` starts the list over. */
  z.object({ type: z.literal('panel/events'), rows: z.array(EventRowSchema), reset: z.boolean() }),
  z.object({ type: z.literal('panel/eventDetail'), seq: z.int(), json: z.string() }),
  /** Workspace files for an `@` mention being typed (paths only), answering chat/mentions. */
  z.object({ type: z.literal('chat/mentionResults'), requestId: z.int(), files: z.array(z.string()) }),
  /** The box's text was sent (a run started or was refused): the box empties when `clear`. */
  z.object({ type: z.literal('chat/sent'), clear: z.boolean() }),
  /** Follow Up a Run from elsewhere (the palette, the run panel): the box takes the focus. */
  z.object({ type: z.literal('chat/focus') }),
]);

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  /**
   * `loadedMs`: how old the webview's document was when its script said ready; `workerMs`: when VS Code's
   * frame navigation reached the webview's service worker; `writtenMs`: when the page's HTML began to be
   * parsed; `scriptMs`: when its bundle began to run (its start-up, for the panel's timing).
   */
  z.object({ type: z.literal('ready'), view: z.enum(['dashboard', 'panel']), loadedMs: z.optional(z.number().check(z.nonnegative())), writtenMs: z.optional(z.number().check(z.nonnegative())), scriptMs: z.optional(z.number().check(z.nonnegative())), workerMs: z.optional(z.number().check(z.nonnegative())) }),
  z.object({ type: z.literal('command'), command: WebviewCommandSchema, runId: z.optional(Id), patchId: z.optional(Id) }),
  z.object({ type: z.literal('selectRun'), runId: Id }),
  z.object({ type: z.literal('panel/eventDetail'), seq: z.int().check(z.positive()) }),
  /** The chat box: send the objective (attachments are the host's draft; mentions resolve on the host). */
  z.object({ type: z.literal('chat/send'), text: z.string().check(z.maxLength(20_000)) }),
  /** Attach the active editor's selection, or its whole file when nothing is selected. */
  z.object({ type: z.literal('chat/attachEditor') }),
  z.object({ type: z.literal('chat/detach'), id: Id }),
  z.object({ type: z.literal('chat/mentions'), requestId: z.int(), query: z.string().check(z.maxLength(500)) }),
  z.object({ type: z.literal('chat/runSettings'), budget: BoxBudgetSchema, preset: PresetSchema }),
  /** The next objective follows up this finished run; null: a fresh run. */
  z.object({ type: z.literal('chat/followUp'), runId: z.nullable(Id) }),
  z.object({ type: z.literal('chat/checkSuggestion'), accept: z.boolean() }),
  /** The run panel's first screen (a run's first rows) has been painted: the host sends the rest after it, not into its way. */
  z.object({ type: z.literal('panel/painted'), runId: Id, rows: z.int() }),
  /** The webview's own measure of how long the event log took to appear. */
  z.object({ type: z.literal('panel/rendered'), rows: z.int(), ms: z.number().check(z.nonnegative()) }),
]);

export type RunListItem = z.infer<typeof RunListItemSchema>;
export type AgentRow = z.infer<typeof AgentRowSchema>;
export type PerfRow = z.infer<typeof PerfRowSchema>;
export type QualityRow = z.infer<typeof QualityRowSchema>;
export type CurrentRun = z.infer<typeof CurrentRunSchema>;
export type DashboardState = z.infer<typeof DashboardStateSchema>;
export type TeamView = z.infer<typeof TeamViewSchema>;
export type ChatState = z.infer<typeof ChatStateSchema>;
export type BoxBudget = z.infer<typeof BoxBudgetSchema>;
export type EventRow = z.infer<typeof EventRowSchema>;
export type ArtifactView = z.infer<typeof ArtifactViewSchema>;
export type PatchView = z.infer<typeof PatchViewSchema>;
export type WebviewCommand = z.infer<typeof WebviewCommandSchema>;
export type HostMessage = z.infer<typeof HostMessageSchema>;
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

export type ParseResult<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: string };

function parseWith<T>(schema: z.ZodMiniType<T>, raw: unknown): ParseResult<T> {
  const r = schema.safeParse(raw);
  return r.success ? { ok: true, message: r.data } : { ok: false, error: z.prettifyError(r.error).split('\n').slice(0, 4).join('; ') };
}

export const parseHostMessage = (raw: unknown): ParseResult<HostMessage> => parseWith(HostMessageSchema, raw);
export const parseWebviewMessage = (raw: unknown): ParseResult<WebviewMessage> => parseWith(WebviewMessageSchema, raw);
