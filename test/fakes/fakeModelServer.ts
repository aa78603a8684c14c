// A loopback server that speaks the Anthropic Messages, OpenAI Chat Completions / Embeddings and
// Gemini generateContent / embedContent wire protocols, streaming included, so the real SDKs can
// be pointed at it by base URL. Replies are scripted per request, faults included.
//
//   const server = await startFakeModelServer();
//   server.enqueue({ text: 'hello' }, { fault: 'rate_limit', retryAfterSeconds: 1 });
//   server.respond((req) => ({ json: {...} }));      // used when the queue is empty
//   new Anthropic({ baseURL: server.urls.anthropic }); new OpenAI({ baseURL: server.urls.openai });
//   new GoogleGenAI({ apiKey, httpOptions: { baseUrl: server.urls.gemini } });
//   server.requests   // every request seen, parsed;  server.billed  // usage reported to clients
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeAnthropic, encodeGemini, encodeOpenAI, type Wire } from './fakeModelWire';

export type Vendor = 'anthropic' | 'openai' | 'gemini';

export interface FakeUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export type FakeReply =
  | { text: string; chunks?: number; usage?: Partial<FakeUsage>; delayMs?: number; stopReason?: 'end' | 'max_tokens' }
  | { json: unknown; usage?: Partial<FakeUsage>; delayMs?: number }
  | { toolCall: { name: string; arguments: unknown }; usage?: Partial<FakeUsage> }
  | { fault: 'rate_limit'; retryAfterSeconds?: number; status?: 429 }
  | { fault: 'server'; status: 500 | 502 | 503 | 529 }
  | { fault: 'http'; status: number; message?: string }
  | { fault: 'stall'; afterChunks: number; text?: string }
  | { fault: 'cut'; afterChunks: number; text?: string }
  | { fault: 'malformed' };

export interface FakeRequest {
  readonly vendor: Vendor;
  readonly kind: 'chat' | 'embed';
  readonly model: string;
  readonly stream: boolean;
  readonly system: string;
  /** All message text, concatenated: what the tests match scripted answers on. */
  readonly prompt: string;
  readonly body: any;
  /** The request body exactly as received (for asserting that no key was ever sent). */
  readonly raw: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The name of the JSON schema / forced tool the client asked for, if any. */
  readonly schemaName: string | undefined;
  /** performance.now() when the first streamed byte of the body was written (benchmarks). */
  readonly firstByteAt?: number;
}

export interface FakeModelServer {
  readonly urls: { readonly anthropic: string; readonly openai: string; readonly gemini: string };
  readonly requests: FakeRequest[];
  /** Usage the server told clients about, per vendor response: what a vendor would bill. */
  readonly billed: FakeUsage[];
  enqueue(...replies: FakeReply[]): void;
  respond(responder: ((req: FakeRequest) => FakeReply) | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const queue: FakeReply[] = [];
  let responder: ((req: FakeRequest) => FakeReply) | undefined;
  const requests: FakeRequest[] = [];
  const billed: FakeUsage[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      void handle(req, res, raw).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake server bug: ${(err as Error).message}` } }));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = routeOf(req.method ?? 'GET', url.pathname, url.searchParams);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url.pathname}` } }));
      return;
    }
    if (route.kind === 'models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(route.vendor === 'gemini' ? { models: [{ name: 'models/gemini-2.5-flash' }] } : { object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
      return;
    }
    const body = raw ? JSON.parse(raw) : {};
    const request = { ...describe(route.vendor, route.kind, route.model ?? body.model ?? '', route.stream || body.stream === true, body, req.headers), raw };
    requests.push(request);
    if (request.kind === 'embed') return embed(route.vendor, body, res);
    const reply = queue.shift() ?? responder?.(request) ?? { text: 'ok' };
    if ('delayMs' in reply && reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    const wire: Wire = route.vendor === 'anthropic' ? encodeAnthropic : route.vendor === 'openai' ? encodeOpenAI : encodeGemini;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      if (request.firstByteAt === undefined) (request as { firstByteAt?: number }).firstByteAt = performance.now();
      return write(...args);
    }) as typeof res.write;
    await wire(request, reply, res, (u) => billed.push(u));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: { anthropic: base, openai: `${base}/v1`, gemini: base },
    requests,
    billed,
    enqueue: (...replies) => queue.push(...replies),
    respond: (fn) => (responder = fn),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      billed.length = 0;
      responder = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Route {
  readonly vendor: Vendor;
  readonly kind: 'chat' | 'embed' | 'models';
  readonly model?: string;
  readonly stream: boolean;
}

function routeOf(method: string, pathname: string, query: URLSearchParams): Route | undefined {
  if (method === 'GET' && pathname === '/v1/models') return { vendor: 'openai', kind: 'models', stream: false };
  if (method === 'GET' && /^\/v1beta\/models\/?$/.test(pathname)) return { vendor: 'gemini', kind: 'models', stream: false };
  if (method !== 'POST') return undefined;
  if (pathname === '/v1/messages') return { vendor: 'anthropic', kind: 'chat', stream: false };
  if (pathname === '/v1/chat/completions') return { vendor: 'openai', kind: 'chat', stream: false };
  if (pathname === '/v1/embeddings') return { vendor: 'openai', kind: 'embed', stream: false };
  const g = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(pathname);
  if (g) {
    const kind = g[2]!.includes('mbed') ? 'embed' : 'chat';
    return { vendor: 'gemini', kind, model: decodeURIComponent(g[1]!), stream: g[2] === 'streamGenerateContent' || query.get('alt') === 'sse' };
  }
  return undefined;
}

function describe(vendor: Vendor, kind: 'chat' | 'embed', model: string, stream: boolean, body: any, headers: http.IncomingHttpHeaders): Omit<FakeRequest, 'raw'> {
  const textOf = (c: unknown): string =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.map((p: any) => p?.text ?? (typeof p?.content === 'string' ? p.content : '') ?? '').join('') : '';
  let system = '';
  let prompt = '';
  let schemaName: string | undefined;
  if (vendor === 'anthropic') {
    system = textOf(body.system);
    prompt = (body.messages ?? []).map((m: any) => textOf(m.content)).join('\n');
    if (body.tool_choice?.type === 'tool') schemaName = body.tool_choice.name;
  } else if (vendor === 'openai') {
    const msgs = body.messages ?? [];
    system = msgs.filter((m: any) => m.role === 'system' || m.role === 'developer').map((m: any) => textOf(m.content)).join('\n');
    prompt = msgs.filter((m: any) => m.role !== 'system' && m.role !== 'developer').map((m: any) => textOf(m.content)).join('\n');
    schemaName = body.response_format?.json_schema?.name;
    if (kind === 'embed') prompt = ([] as string[]).concat(body.input ?? []).join('\n');
  } else {
    system = textOf(body.systemInstruction?.parts ?? body.system_instruction?.parts);
    prompt = (body.contents ?? []).map((c: any) => textOf(c.parts)).join('\n');
    if (body.generationConfig?.responseSchema || body.generationConfig?.responseJsonSchema) schemaName = 'json';
    if (kind === 'embed') prompt = (body.requests ?? [body]).map((r: any) => textOf(r.content?.parts)).join('\n');
  }
  return { vendor, kind, model: model.replace(/^models\//, ''), stream, system, prompt, body, headers, schemaName };
}

/** Deterministic embeddings: a hashed bag of words, normalized, so texts sharing words are near. */
export function fakeEmbedding(text: string, dims = 64): Float32Array {
  const v = new Float32Array(dims);
  for (const word of text.toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    v[Math.abs(h) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  for (let i = 0; i < dims; i++) v[i]! /= norm;
  return v;
}

function embed(vendor: Vendor, body: any, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  if (vendor === 'openai') {
    const inputs: string[] = ([] as string[]).concat(body.input ?? []);
    const data = inputs.map((t, index) => {
      const v = fakeEmbedding(t);
      return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v) };
    });
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.join(' ').length >> 2, total_tokens: inputs.join(' ').length >> 2 } }));
    return;
  }
  const reqs: any[] = body.requests ?? [body];
  const embeddings = reqs.map((r) => ({ values: Array.from(fakeEmbedding((r.content?.parts ?? []).map((p: any) => p.text ?? '').join(''))) }));
  res.end(JSON.stringify(body.requests ? { embeddings } : { embedding: embeddings[0] }));
}
