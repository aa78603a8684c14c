// Turns whatever an SDK threw into a ModelError with a kind the retry policy understands and a
// one-line message with no secret in it.
import { ModelError, type ModelErrorKind, type ProviderId } from '../core/ports/model';
import { scrubErrorText } from '../core/security/redaction';

export const RETRYABLE: ReadonlySet<ModelErrorKind> = new Set(['rate_limit', 'server', 'timeout', 'stall', 'cut_stream', 'malformed']);

export function classify(err: unknown, provider: ProviderId, model: string, secrets: readonly string[], context: { stalled: boolean; userAborted: boolean; streamed: boolean }): ModelError {
  // An abort can surface as a quietly ended stream (then the adapter reports a cut): the cause wins.
  if (context.userAborted) return new ModelError('aborted', `${provider} call cancelled`, { provider, model });
  if (context.stalled) return new ModelError('stall', `${provider} stream stalled: no data within the stall timeout`, { provider, model });
  if (err instanceof ModelError) return err;
  const e = err as { status?: number; headers?: unknown; message?: string; name?: string; cause?: unknown; error?: unknown };
  const raw = scrubErrorText(firstLine(e?.message ?? String(err)), secrets);
  const details = { provider, model };
  const status = typeof e?.status === 'number' ? e.status : statusFromMessage(raw);
  if (status !== undefined) {
    const retryAfterMs = retryAfterOf(e?.headers, e?.message ?? '', e?.error);
    const withStatus = { ...details, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status === 401 || status === 403) return new ModelError('auth', `${provider} rejected the API key (${status}): check the key you set for ${provider}`, withStatus);
    if (status === 429) return new ModelError('rate_limit', `${provider} rate limit (429)${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''}`, withStatus);
    if (status === 408) return new ModelError('timeout', `${provider} request timeout (408)`, withStatus);
    if (status === 409) return new ModelError('server', `${provider} conflict (409)`, withStatus);
    if (status >= 500) return new ModelError('server', `${provider} server error (${status}): ${raw}`, withStatus);
    if (status === 404) return new ModelError('config', `${provider} does not know model '${model}' (404): pick another model`, withStatus);
    return new ModelError('bad_request', `${provider} refused the request (${status}): ${raw}`, withStatus);
  }
  if (/JSON|Unexpected token|Could not parse|parse/i.test(raw)) return new ModelError('malformed', `${provider} sent a malformed response: ${raw}`, details);
  if (e?.name === 'AbortError' || /abort/i.test(raw)) return new ModelError('aborted', `${provider} call aborted`, details);
  const kind: ModelErrorKind = context.streamed ? 'cut_stream' : 'server';
  return new ModelError(kind, `${provider} connection failed${context.streamed ? ' mid-stream' : ''}: ${raw}`, details);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}

function statusFromMessage(message: string): number | undefined {
  // @google/genai puts the HTTP status in the message text ("got status: 429 ...", {"error":{"code":429})
  const m = /got status: (\d{3})|"code":\s*(\d{3})/.exec(message);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

function retryAfterOf(headers: unknown, message: string, body: unknown): number | undefined {
  const h = headers as { get?: (n: string) => string | null } & Record<string, string | undefined>;
  const value = typeof h?.get === 'function' ? h.get('retry-after') : h?.['retry-after'];
  if (value) {
    const secs = Number(value);
    if (Number.isFinite(secs)) return secs * 1000;
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  const ms = h && (typeof h.get === 'function' ? h.get('retry-after-ms') : h['retry-after-ms']);
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  // Gemini: google.rpc.RetryInfo { retryDelay: "2s" } in the error body
  const text = `${message} ${body ? JSON.stringify(body) : ''}`;
  const m = /"retryDelay":\s*"(\d+(?:\.\d+)?)s"/.exec(text);
  return m ? Number(m[1]) * 1000 : undefined;
}
