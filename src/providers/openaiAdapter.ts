// OpenAI Chat Completions through the openai SDK, streamed, for OpenAI itself and for any
// OpenAI-compatible server (Ollama, LM Studio, vLLM, OpenRouter) by base URL. The SDK accepts a
// stream that stops without a finish_reason as complete: that is detected here and is an error.
import type OpenAI from 'openai';
import { ModelError, type ChatMessage, type ModelRequest, type ProviderId, type StopReason, type TextBlock } from '../core/ports/model';
import type { AttemptSink, VendorAdapter } from './attempt';

export interface OpenAIOptions {
  readonly provider: Extract<ProviderId, 'openai' | 'openai-compatible'>;
  readonly apiKey: string;
  readonly baseUrl?: string;
}

export class OpenAIAdapter implements VendorAdapter {
  readonly provider: Extract<ProviderId, 'openai' | 'openai-compatible'>;
  private readonly client: OpenAI;

  constructor(options: OpenAIOptions) {
    this.provider = options.provider;
    // required here, not imported: the SDK is a bundle of its own, loaded when a model is first set up
    const { OpenAI: Sdk } = require('openai') as typeof import('openai');
    this.client = new Sdk({ apiKey: options.apiKey, maxRetries: 0, logLevel: 'off', timeout: 10 * 60_000, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}) });
  }

  get sdk(): OpenAI {
    return this.client;
  }

  async attempt(request: ModelRequest, signal: AbortSignal, sink: AttemptSink): Promise<StopReason> {
    const messages: OpenAI.ChatCompletionMessageParam[] = [];
    if (request.system) messages.push({ role: 'system', content: flatten(request.system) });
    for (const m of request.messages) messages.push(toOpenAIMessage(m));
    const stream = await this.client.chat.completions.create(
      {
        model: request.model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
        // OpenAI's own API wants max_completion_tokens; compatible servers still read max_tokens.
        ...(this.provider === 'openai' ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens }),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.tools?.length ? { tools: request.tools.map((t) => ({ type: 'function' as const, function: { name: t.name, description: t.description, parameters: t.inputSchema } })) } : {}),
        ...(request.jsonSchema ? { response_format: { type: 'json_schema' as const, json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: false } } } : {}),
      },
      { signal },
    );
    let finish: string | undefined;
    const calls = new Map<number, { id: string; name: string; args: string }>();
    for await (const chunk of stream) {
      if (chunk.usage) {
        const cached = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
        sink.usage({ inputTokens: chunk.usage.prompt_tokens - cached, cacheReadTokens: cached, cacheWriteTokens: 0, outputTokens: chunk.usage.completion_tokens });
      }
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.content) sink.text(choice.delta.content);
      for (const tc of choice.delta?.tool_calls ?? []) {
        const c = calls.get(tc.index) ?? { id: tc.id ?? `call_${tc.index}`, name: '', args: '' };
        if (tc.function?.name) c.name = tc.function.name;
        if (tc.function?.arguments) c.args += tc.function.arguments;
        calls.set(tc.index, c);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    if (!finish) throw new ModelError('cut_stream', `${this.provider} stream ended without a finish_reason`, { provider: this.provider, model: request.model });
    for (const c of calls.values()) sink.toolCall({ id: c.id, name: c.name, argumentsJson: c.args || '{}' });
    return finish === 'stop' ? 'end' : finish === 'length' ? 'max_tokens' : finish === 'tool_calls' ? 'tool_use' : finish === 'content_filter' ? 'content_filter' : 'other';
  }
}

function flatten(content: string | readonly TextBlock[]): string {
  return typeof content === 'string' ? content : content.map((b) => b.text).join('');
}

function toOpenAIMessage(m: ChatMessage): OpenAI.ChatCompletionMessageParam {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  if (m.role === 'assistant') {
    return {
      role: 'assistant',
      content: m.content,
      ...(m.toolCalls?.length ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.argumentsJson } })) } : {}),
    };
  }
  return { role: 'user', content: flatten(m.content) };
}
