// Record and replay of model exchanges. A recording is JSON lines: a header naming the models the
// run could route to, then one exchange per finished call (the request's key, the streamed text
// and the result). Replaying answers each request from the recording with no network, so a real
// session becomes a reproducible run for tests, CI and the bundled sample.
//
// A request's key hashes what the model was asked (system, messages, schema, tools), not which
// model was asked: prompts hold only workspace-relative paths and file text, so the same objective
// on the same files asks the same questions. When several recorded answers share a key (two
// reviewers shown one patch) they are served in recorded order, the same model's answer first.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { z } from 'zod';
import { ProviderSchema } from '../events';
import { MiB, readInputText } from '../inputFile';
import { ModelError, type ModelClient, type ModelDelta, type ModelRequest, type ModelResult, type ProviderId } from '../ports/model';

export const SESSION_VERSION = 1;

const HeaderSchema = z.object({
  kind: z.literal('header'),
  version: z.literal(SESSION_VERSION),
  candidates: z.array(z.object({ provider: ProviderSchema, model: z.string() })),
  note: z.string().optional(),
});
const ExchangeSchema = z.object({
  kind: z.literal('exchange'),
  key: z.string(),
  provider: ProviderSchema,
  model: z.string(),
  /** For people reading the file: which artifact was asked for and how the prompt began. */
  asked: z.string(),
  chunks: z.array(z.string()),
  result: z.object({
    provider: ProviderSchema,
    model: z.string(),
    text: z.string(),
    toolCalls: z.array(z.object({ id: z.string(), name: z.string(), argumentsJson: z.string() })),
    stopReason: z.enum(['end', 'max_tokens', 'tool_use', 'stop_sequence', 'content_filter', 'other']),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), cacheReadTokens: z.number(), cacheWriteTokens: z.number() }),
    costUsd: z.number().nullable(),
    attempts: z.number().int(),
  }),
});

export type SessionHeader = z.infer<typeof HeaderSchema>;
export type Exchange = z.infer<typeof ExchangeSchema>;

export function requestKey(request: ModelRequest): string {
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => b.text).join('\n');
  const canonical = JSON.stringify({ system, messages: request.messages, schema: request.jsonSchema?.name ?? null, tools: (request.tools ?? []).map((t) => t.name) });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function asked(request: ModelRequest): string {
  const last = request.messages[request.messages.length - 1];
  const text = last && 'content' in last ? (typeof last.content === 'string' ? last.content : last.content.map((b) => b.text).join('')) : '';
  return `${request.jsonSchema?.name ?? 'text'}: ${text.slice(0, 160).replace(/\s+/g, ' ')}`;
}

/** Appends each finished exchange to `file` (created with its header on first use). */
export class SessionRecorder {
  constructor(
    private readonly file: string,
    candidates: readonly { provider: ProviderId; model: string }[],
    note?: string,
  ) {
    const header: SessionHeader = { kind: 'header', version: SESSION_VERSION, candidates: candidates.map((c) => ({ provider: c.provider, model: c.model })), ...(note ? { note } : {}) };
    fs.writeFileSync(file, `${JSON.stringify(header)}\n`);
  }

  wrap(inner: ModelClient): ModelClient {
    const file = this.file;
    return {
      provider: inner.provider,
      async *stream(request: ModelRequest): AsyncIterable<ModelDelta> {
        let chunks: string[] = [];
        for await (const delta of inner.stream(request)) {
          if (delta.type === 'text') chunks.push(delta.text);
          else if (delta.type === 'superseded') chunks = [];
          else if (delta.type === 'done') {
            const exchange: Exchange = { kind: 'exchange', key: requestKey(request), provider: inner.provider, model: request.model, asked: asked(request), chunks, result: toPlain(delta.result) };
            fs.appendFileSync(file, `${JSON.stringify(exchange)}\n`);
          }
          yield delta;
        }
      },
    };
  }
}

function toPlain(r: ModelResult): Exchange['result'] {
  return { provider: r.provider, model: r.model, text: r.text, toolCalls: r.toolCalls.map((c) => ({ ...c })), stopReason: r.stopReason, usage: { ...r.usage }, costUsd: r.costUsd, attempts: r.attempts };
}

export class SessionFileError extends Error {}

const MAX_SESSION_BYTES = 256 * MiB;

/** Answers requests from a recording; a request it has no answer for is a clear error, never a guess. */
export class SessionReplayer {
  readonly header: SessionHeader;
  private readonly byKey = new Map<string, Exchange[]>();
  private readonly served = new Set<Exchange>();

  constructor(private readonly file: string) {
    // a user-given path: a regular file under the cap, or a one-line InputFileError (never a hang on a FIFO)
    const text = readInputText(file, { what: `the recorded session ${file}`, maxBytes: MAX_SESSION_BYTES });
    const lines = text.split('\n').filter((l) => l.trim());
    const parse = <T>(schema: z.ZodType<T>, line: string, n: number): T => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new SessionFileError(`${file}:${n}: not JSON`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new SessionFileError(`${file}:${n}: not a session record (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      return parsed.data;
    };
    if (!lines[0]) throw new SessionFileError(`${file} is empty: not a recorded session`);
    this.header = parse(HeaderSchema, lines[0], 1);
    lines.slice(1).forEach((line, i) => {
      const x = parse(ExchangeSchema, line, i + 2);
      this.byKey.set(x.key, [...(this.byKey.get(x.key) ?? []), x]);
    });
  }

  get exchangeCount(): number {
    return [...this.byKey.values()].reduce((n, xs) => n + xs.length, 0);
  }

  client(provider: ProviderId): ModelClient {
    return {
      provider,
      stream: (request) => this.answer(provider, request),
    };
  }

  private async *answer(provider: ProviderId, request: ModelRequest): AsyncIterable<ModelDelta> {
    const found = this.pick(requestKey(request), provider, request.model);
    if (!found)
      throw new ModelError('config', `${this.file} has no recorded answer for this ${request.jsonSchema?.name ?? ''} request (the workspace, objective or prompts changed since it was recorded): record it again with --record`, { provider, model: request.model });
    for (const text of found.chunks) {
      if (request.signal?.aborted) throw new ModelError('aborted', 'the call was cancelled', { provider });
      yield { type: 'text', text, attempt: 1 };
    }
    yield { type: 'done', result: { ...found.result, toolCalls: found.result.toolCalls } };
  }

  private pick(key: string, provider: ProviderId, model: string): Exchange | undefined {
    const all = this.byKey.get(key) ?? [];
    const fresh = all.filter((x) => !this.served.has(x));
    const chosen = fresh.find((x) => x.provider === provider && x.model === model) ?? fresh[0] ?? all[all.length - 1];
    if (chosen) this.served.add(chosen);
    return chosen;
  }
}
