// Anthropic Messages API through @anthropic-ai/sdk, streamed. Structured output is a forced tool
// call named after the schema; cache_control marks the end of the stable prefix.
import type Anthropic from '@anthropic-ai/sdk';
import { ModelError, type ChatMessage, type ModelRequest, type StopReason, type TextBlock } from '../core/ports/model';
import type { AttemptSink, VendorAdapter } from './attempt';

export interface AnthropicOptions {
  readonly apiKey: string;
  readonly baseUrl?: string;
}

export class AnthropicAdapter implements VendorAdapter {
  readonly provider = 'anthropic' as const;
  private readonly client: Anthropic;

  constructor(options: AnthropicOptions) {
    // required here, not imported: the SDK is a bundle of its own, loaded when a model is first set up
    const { Anthropic: Sdk } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
    this.client = new Sdk({ apiKey: options.apiKey, maxRetries: 0, logLevel: 'off', timeout: 10 * 60_000, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}) });
  }

  async attempt(request: ModelRequest, signal: AbortSignal, sink: AttemptSink): Promise<StopReason> {
    const schema = request.jsonSchema;
    const tools = [
      ...(request.tools ?? []).map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema as Anthropic.Tool.InputSchema })),
      ...(schema ? [{ name: schema.name, description: `Respond with the ${schema.name} as this tool's input.`, input_schema: schema.schema as Anthropic.Tool.InputSchema }] : []),
    ];
    const stream = await this.client.messages.create(
      {
        model: request.model,
        max_tokens: request.maxOutputTokens,
        messages: request.messages.map(toAnthropicMessage),
        stream: true,
        ...(request.system ? { system: systemBlocks(request.system) } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(tools.length > 0 ? { tools } : {}),
        ...(schema ? { tool_choice: { type: 'tool' as const, name: schema.name } } : {}),
      },
      { signal },
    );
    let stop: StopReason | undefined;
    let finished = false;
    let input = { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const tool = new Map<number, { id: string; name: string; json: string }>();
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start': {
          const u = event.message.usage;
          input = { inputTokens: u.input_tokens, cacheReadTokens: u.cache_read_input_tokens ?? 0, cacheWriteTokens: u.cache_creation_input_tokens ?? 0 };
          sink.usage({ ...input, outputTokens: u.output_tokens });
          break;
        }
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') tool.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') sink.text(event.delta.text);
          else if (event.delta.type === 'input_json_delta') tool.get(event.index)!.json += event.delta.partial_json;
          break;
        case 'content_block_stop': {
          const t = tool.get(event.index);
          if (!t) break;
          if (schema && t.name === schema.name) sink.text(t.json || '{}');
          else sink.toolCall({ id: t.id, name: t.name, argumentsJson: t.json || '{}' });
          break;
        }
        case 'message_delta':
          stop = mapStop(event.delta.stop_reason, Boolean(schema));
          sink.usage({ ...input, outputTokens: event.usage.output_tokens });
          break;
        case 'message_stop':
          finished = true;
          break;
      }
    }
    if (!finished) throw new ModelError('cut_stream', 'anthropic stream ended before message_stop', { provider: 'anthropic', model: request.model });
    return stop ?? 'end';
  }
}

function mapStop(reason: string | null | undefined, structured: boolean): StopReason {
  switch (reason) {
    case 'end_turn':
      return 'end';
    case 'max_tokens':
      return 'max_tokens';
    case 'tool_use':
      return structured ? 'end' : 'tool_use';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

function systemBlocks(system: string | readonly TextBlock[]): Anthropic.TextBlockParam[] | string {
  if (typeof system === 'string') return system;
  return system.map((b) => ({ type: 'text' as const, text: b.text, ...(b.cache ? { cache_control: { type: 'ephemeral' as const } } : {}) }));
}

function toAnthropicMessage(m: ChatMessage): Anthropic.MessageParam {
  if (m.role === 'tool') return { role: 'user', content: [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }] };
  if (m.role === 'assistant') {
    const blocks: Anthropic.ContentBlockParam[] = m.content ? [{ type: 'text', text: m.content }] : [];
    for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: safeJson(c.argumentsJson) });
    return { role: 'assistant', content: blocks };
  }
  if (typeof m.content === 'string') return { role: 'user', content: m.content };
  return { role: 'user', content: m.content.map((b) => ({ type: 'text' as const, text: b.text, ...(b.cache ? { cache_control: { type: 'ephemeral' as const } } : {}) })) };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
