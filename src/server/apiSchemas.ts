// The API's request and response shapes, in zod: Fastify validates with them and the OpenAPI document
// (/openapi.json, schemas/openapi.json) is generated from them. Run options reuse the engine's own
// schemas, so the API cannot accept what a run would refuse.
import { z } from 'zod';
import { ConsensusRuleSchema } from '../core/events';
import { SDK_PROVIDERS } from '../providers/config';

export const MAX_OBJECTIVE_CHARS = 16_000;

export const ProviderParam = z.object({ provider: z.enum(SDK_PROVIDERS as [string, ...string[]]).describe('anthropic, openai, gemini or openai-compatible') });
export const RunIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a run id looks like run-20261129-184000-ab12cd') });

export const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  database: z.object({ status: z.enum(['ok', 'unavailable']), runs: z.number().int().nullable(), message: z.string().optional() }),
  providers: z.record(z.string(), z.boolean()).describe('which providers have a key (or a URL, for openai-compatible); never the key'),
  activeRun: z.string().nullable(),
  teamBus: z.string().describe('team mode: "off", "ok" or "degraded: why"'),
});

export const KeysSchema = z.object({
  keys: z.array(z.object({ provider: z.string(), configured: z.boolean(), source: z.string().nullable().describe('"server" (set through PUT /keys) or the environment variable; never the key') })),
});

export const PutKeyBody = z.strictObject({ key: z.string().min(8).max(512).regex(/^[\x21-\x7e]+$/, 'a key is printable ASCII with no spaces') });

export const StartRunBody = z.strictObject({
  objective: z.string().trim().min(1, 'say what to do').max(MAX_OBJECTIVE_CHARS, `an objective is at most ${MAX_OBJECTIVE_CHARS} characters`),
  budgetUsd: z.number().nonnegative().max(10_000).optional().describe('USD for the whole run'),
  reviewers: z.number().int().min(1).max(5).optional(),
  consensus: ConsensusRuleSchema.optional(),
  apply: z.boolean().optional().describe('apply the patches that pass the cascade to the workspace'),
  check: z.string().min(1).max(2_000).optional().describe('a shell command to validate patches; accepted only when the server runs with --allow-check'),
});

export const RunLinks = z.object({ self: z.string(), events: z.string(), cancel: z.string(), review: z.string() });
export const RunAcceptedSchema = z.object({ runId: z.string(), status: z.string(), links: RunLinks });

export const RunRowSchema = z.object({
  runId: z.string(),
  status: z.string(),
  objective: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  events: z.number().int(),
  costUsd: z.number(),
});
export const RunsListSchema = z.object({ runs: z.array(RunRowSchema), next: z.number().int().nullable() });
export const RunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) });

export const RunViewSchema = z.object({
  runId: z.string(),
  status: z.string(),
  objective: z.string(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  active: z.boolean().describe('running in this server now'),
  cost: z.object({ spentUsd: z.number(), reservedUsd: z.number(), inputTokens: z.number(), outputTokens: z.number(), unpricedCalls: z.number() }),
  tasks: z.array(z.object({ taskId: z.string(), title: z.string(), status: z.string(), files: z.array(z.string()) })),
  patches: z.array(z.object({ patchId: z.string(), taskId: z.string(), round: z.number(), status: z.string(), files: z.array(z.string()), provider: z.string(), model: z.string() })),
  error: z.object({ reason: z.string(), message: z.string() }).nullable(),
  lastSeq: z.number().int(),
  links: RunLinks,
});

export const EventsQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1_000).default(200) });
export const EventRowSchema = z.object({ seq: z.number().int(), ts: z.number(), type: z.string(), data: z.unknown() });
export const EventsPageSchema = z.object({ runId: z.string(), events: z.array(EventRowSchema), next: z.number().int().nullable().describe('pass as ?after= for the next page; null at the end of what is durable now') });

export const OkSchema = z.object({ ok: z.literal(true), message: z.string() });

export function runLinks(runId: string): z.infer<typeof RunLinks> {
  const self = `/runs/${encodeURIComponent(runId)}`;
  return { self, events: `${self}/events`, cancel: `${self}/cancel`, review: `${self}/review` };
}

// The review (the same shapes as `codecompanion review --json`: src/app/review/reviewView.ts).
export const HunkIdParam = z.object({ id: z.string().min(1).max(1_000).describe('a hunk id as GET /runs/{id}/review lists it (RUN/PATCH/PATH#DIGEST), URL-encoded') });
export const PatchParams = RunIdParam.extend({ patchId: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a patch id looks like task-1.r1') });
export const RejectBody = z.strictObject({ reason: z.string().trim().max(2_000, 'a reason is at most 2,000 characters').optional().describe('why: the coder gets it on a revision') }).optional();

export const HunkViewSchema = z.object({
  id: z.string(),
  patchId: z.string(),
  path: z.string(),
  action: z.string(),
  from: z.string().optional(),
  decision: z.string().describe('pending, accepted, rejected, conflict, or applying (a write under way)'),
  reason: z.string().optional(),
  startLine: z.number().int(),
  removed: z.number().int(),
  added: z.number().int(),
  oldLines: z.array(z.string()),
  newLines: z.array(z.string()),
});
export const RunReviewSchema = z.object({
  runId: z.string(),
  objective: z.string(),
  pending: z.number().int(),
  applied: z.number().int().describe('hunks applied and not rolled back'),
  patches: z.array(z.object({ patchId: z.string(), taskId: z.string(), summary: z.string(), provider: z.string(), model: z.string(), problems: z.array(z.string()), hunks: z.array(HunkViewSchema) })),
});
export const ReviewListSchema = z.object({ reviews: z.array(RunReviewSchema) });
export const DecisionSchema = z.object({
  applied: z.number().int(),
  rejected: z.number().int(),
  conflicts: z.array(z.object({ hunkId: z.string(), reason: z.string() })).describe('hunks that no longer match the files: not applied'),
  held: z.array(z.object({ path: z.string(), rule: z.string() })).describe('sensitive files left pending: accept their hunks by id'),
  refused: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export const RollbackSchema = z.object({ reverted: z.number().int(), conflicts: z.array(z.object({ hunkId: z.string(), path: z.string(), reason: z.string() })).describe('lines edited since: kept, not overwritten') });
