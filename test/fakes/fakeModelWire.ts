// Each vendor's response encoding, plain and streamed, with the scripted faults.
import type * as http from 'node:http';
import type { FakeReply, FakeRequest, FakeUsage } from './fakeModelServer';

export type Wire = (req: FakeRequest, reply: FakeReply, res: http.ServerResponse, bill: (u: FakeUsage) => void) => Promise<void>;

interface Answer {
  readonly text: string;
  readonly tool?: { name: string; arguments: unknown };
  readonly usage: FakeUsage;
  readonly stop: 'end' | 'max_tokens' | 'tool';
  readonly chunks: number;
}

const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

/** What a non-fault reply amounts to, for any vendor. */
function answerOf(req: FakeRequest, reply: FakeReply): Answer | undefined {
  if ('fault' in reply && (reply.fault === 'stall' || reply.fault === 'cut')) {
    const text = reply.text ?? 'partial answer that never finishes '.repeat(4);
    return { text, usage: usage(req, text, {}), stop: 'end', chunks: Math.max(reply.afterChunks + 2, 6) };
  }
  if ('fault' in reply) return undefined;
  if ('toolCall' in reply) return { text: '', tool: reply.toolCall, usage: usage(req, JSON.stringify(reply.toolCall.arguments), reply.usage ?? {}), stop: 'tool', chunks: 3 };
  if ('json' in reply) {
    const text = JSON.stringify(reply.json);
    // Anthropic's native structured output is a forced tool call named after the schema.
    if (req.vendor === 'anthropic' && req.schemaName) return { text: '', tool: { name: req.schemaName, arguments: reply.json }, usage: usage(req, text, reply.usage ?? {}), stop: 'tool', chunks: 3 };
    return { text, usage: usage(req, text, reply.usage ?? {}), stop: 'end', chunks: 4 };
  }
  return { text: reply.text, usage: usage(req, reply.text, reply.usage ?? {}), stop: reply.stopReason ?? 'end', chunks: reply.chunks ?? 4 };
}

function usage(req: FakeRequest, out: string, override: Partial<FakeUsage>): FakeUsage {
  return { input: tokens(req.system + req.prompt), output: tokens(out), cacheRead: 0, cacheWrite: 0, ...override };
}

function split(text: string, n: number): string[] {
  if (text === '') return [''];
  const size = Math.max(1, Math.ceil(text.length / n));
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

/** Writes the shared fault replies; returns true if the reply was one of them. */
function writeFault(req: FakeRequest, reply: FakeReply, res: http.ServerResponse): boolean {
  if (!('fault' in reply)) return false;
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  switch (reply.fault) {
    case 'rate_limit': {
      const secs = reply.retryAfterSeconds ?? 1;
      if (req.vendor === 'gemini') {
        json(429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${secs}s` }] } });
      } else if (req.vendor === 'anthropic') {
        json(429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }, { 'retry-after': String(secs) });
      } else json(429, { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': String(secs) });
      return true;
    }
    case 'server':
      if (req.vendor === 'anthropic') json(reply.status, { type: 'error', error: { type: reply.status === 529 ? 'overloaded_error' : 'api_error', message: 'Overloaded' } });
      else if (req.vendor === 'gemini') json(reply.status, { error: { code: reply.status, message: 'The model is overloaded.', status: 'UNAVAILABLE' } });
      else json(reply.status, { error: { message: 'The server had an error while processing your request.', type: 'server_error' } });
      return true;
    case 'http':
      json(reply.status, req.vendor === 'anthropic' ? { type: 'error', error: { type: 'invalid_request_error', message: reply.message ?? 'bad request' } } : { error: { code: reply.status, message: reply.message ?? 'bad request', status: 'INVALID_ARGUMENT' } });
      return true;
    case 'malformed':
      res.writeHead(200, { 'content-type': req.stream ? 'text/event-stream' : 'application/json' });
      res.end(req.stream ? 'data: {"this is": not json\n\ndata: ]]]\n\n' : '{"choices": [ {"message": ');
      return true;
    default:
      return false;
  }
}

function sse(res: http.ServerResponse): (event: string | undefined, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  return (event, data) => res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Streams `parts`; a stall or cut fault stops after `afterChunks` of them (returns false). */
async function streamParts(reply: FakeReply, parts: string[], send: (part: string) => void, res: http.ServerResponse): Promise<boolean> {
  const limit = 'fault' in reply && (reply.fault === 'stall' || reply.fault === 'cut') ? reply.afterChunks : Infinity;
  for (let i = 0; i < parts.length; i++) {
    if (i >= limit) {
      if ('fault' in reply && reply.fault === 'cut') res.destroy();
      // a stall leaves the connection open and silent until the client gives up
      return false;
    }
    send(parts[i]!);
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

export const encodeAnthropic: Wire = async (req, reply, res, bill) => {
  if (writeFault(req, reply, res)) return;
  const a = answerOf(req, reply)!;
  const stop = a.stop === 'tool' ? 'tool_use' : a.stop === 'max_tokens' ? 'max_tokens' : 'end_turn';
  const u = { input_tokens: a.usage.input, cache_creation_input_tokens: a.usage.cacheWrite, cache_read_input_tokens: a.usage.cacheRead };
  const content = a.tool ? [{ type: 'tool_use', id: 'toolu_fake1', name: a.tool.name, input: a.tool.arguments }] : [{ type: 'text', text: a.text }];
  if (!req.stream) {
    bill(a.usage);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'msg_fake', type: 'message', role: 'assistant', model: req.model, content, stop_reason: stop, stop_sequence: null, usage: { ...u, output_tokens: a.usage.output } }));
    return;
  }
  const send = sse(res);
  send('message_start', { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 1 } } });
  // Input tokens are reported (and billed) from the first event on, even if the stream dies later.
  const partialBill = { ...a.usage, output: 1 };
  send('content_block_start', { type: 'content_block_start', index: 0, content_block: a.tool ? { type: 'tool_use', id: 'toolu_fake1', name: a.tool.name, input: {} } : { type: 'text', text: '' } });
  const body = a.tool ? JSON.stringify(a.tool.arguments) : a.text;
  const completed = await streamParts(reply, split(body, a.chunks), (p) =>
    send('content_block_delta', { type: 'content_block_delta', index: 0, delta: a.tool ? { type: 'input_json_delta', partial_json: p } : { type: 'text_delta', text: p } }), res);
  if (!completed) return bill(partialBill);
  send('content_block_stop', { type: 'content_block_stop', index: 0 });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: a.usage.output } });
  send('message_stop', { type: 'message_stop' });
  bill(a.usage);
  res.end();
};

export const encodeOpenAI: Wire = async (req, reply, res, bill) => {
  if (writeFault(req, reply, res)) return;
  const a = answerOf(req, reply)!;
  const finish = a.stop === 'tool' ? 'tool_calls' : a.stop === 'max_tokens' ? 'length' : 'stop';
  const usage = { prompt_tokens: a.usage.input + a.usage.cacheRead, completion_tokens: a.usage.output, total_tokens: a.usage.input + a.usage.cacheRead + a.usage.output, prompt_tokens_details: { cached_tokens: a.usage.cacheRead } };
  const toolCalls = a.tool ? [{ id: 'call_fake1', type: 'function', function: { name: a.tool.name, arguments: JSON.stringify(a.tool.arguments) } }] : undefined;
  const base = { id: 'chatcmpl-fake', created: 1_700_000_000, model: req.model };
  if (!req.stream) {
    bill(a.usage);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: a.tool ? null : a.text, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }], usage }));
    return;
  }
  const send = sse(res);
  const chunk = (delta: unknown, finish_reason: string | null = null) => send(undefined, { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason }] });
  chunk({ role: 'assistant', content: '' });
  const body = a.tool ? JSON.stringify(a.tool.arguments) : a.text;
  let first = true;
  const completed = await streamParts(reply, split(body, a.chunks), (p) => {
    if (a.tool) {
      chunk({ tool_calls: [{ index: 0, ...(first ? { id: 'call_fake1', type: 'function', function: { name: a.tool.name, arguments: p } } : { function: { arguments: p } }) }] });
      first = false;
    } else chunk({ content: p });
  }, res);
  // OpenAI reports usage only in the last chunk: a stream that dies earlier told the client nothing.
  if (!completed) return;
  chunk({}, finish);
  send(undefined, { ...base, object: 'chat.completion.chunk', choices: [], usage });
  send(undefined, '[DONE]');
  bill(a.usage);
  res.end();
};

export const encodeGemini: Wire = async (req, reply, res, bill) => {
  if (writeFault(req, reply, res)) return;
  const a = answerOf(req, reply)!;
  const finishReason = a.stop === 'max_tokens' ? 'MAX_TOKENS' : 'STOP';
  const usageMetadata = { promptTokenCount: a.usage.input + a.usage.cacheRead, candidatesTokenCount: a.usage.output, totalTokenCount: a.usage.input + a.usage.cacheRead + a.usage.output, cachedContentTokenCount: a.usage.cacheRead };
  const candidate = (parts: unknown[], finish?: string) => ({ content: { parts, role: 'model' }, index: 0, ...(finish ? { finishReason: finish } : {}) });
  const toolPart = a.tool ? { functionCall: { name: a.tool.name, args: a.tool.arguments } } : undefined;
  if (!req.stream) {
    bill(a.usage);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ candidates: [candidate(toolPart ? [toolPart] : [{ text: a.text }], finishReason)], usageMetadata, modelVersion: req.model }));
    return;
  }
  const send = sse(res);
  if (toolPart) {
    send(undefined, { candidates: [candidate([toolPart], finishReason)], usageMetadata, modelVersion: req.model });
    bill(a.usage);
    res.end();
    return;
  }
  const parts = split(a.text, a.chunks);
  const completed = await streamParts(reply, parts.slice(0, -1), (p) => send(undefined, { candidates: [candidate([{ text: p }])], modelVersion: req.model }), res);
  if (!completed) return;
  send(undefined, { candidates: [candidate([{ text: parts[parts.length - 1] ?? '' }], finishReason)], usageMetadata, modelVersion: req.model });
  bill(a.usage);
  res.end();
};
