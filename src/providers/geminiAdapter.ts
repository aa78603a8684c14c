// Gemini through @google/genai, streamed. Structured output uses responseJsonSchema. The SDK treats
// a stream that stops without a finishReason as complete: detected here as an error.
import type { Content, GenerateContentConfig, GoogleGenAI } from '@google/genai';
import { ModelError, type ChatMessage, type ModelRequest, type StopReason, type TextBlock } from '../core/ports/model';
import type { AttemptSink, VendorAdapter } from './attempt';

export interface GeminiOptions {
  readonly apiKey: string;
  readonly baseUrl?: string;
}

export class GeminiAdapter implements VendorAdapter {
  readonly provider = 'gemini' as const;
  private readonly client: GoogleGenAI;

  constructor(options: GeminiOptions) {
    // required here, not imported: the SDK is a bundle of its own, loaded when a model is first set up
    const { GoogleGenAI: Sdk } = require('@google/genai') as typeof import('@google/genai');
    this.client = new Sdk({ apiKey: options.apiKey, ...(options.baseUrl ? { httpOptions: { baseUrl: options.baseUrl } } : {}) });
  }

  get sdk(): GoogleGenAI {
    return this.client;
  }

  async attempt(request: ModelRequest, signal: AbortSignal, sink: AttemptSink): Promise<StopReason> {
    const config: GenerateContentConfig = {
      abortSignal: signal,
      maxOutputTokens: request.maxOutputTokens,
      ...(request.system ? { systemInstruction: flatten(request.system) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.jsonSchema ? { responseMimeType: 'application/json', responseJsonSchema: request.jsonSchema.schema } : {}),
      ...(request.tools?.length ? { tools: [{ functionDeclarations: request.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.inputSchema })) }] } : {}),
    };
    const stream = await this.client.models.generateContentStream({ model: request.model, contents: request.messages.map(toContent), config });
    let finish: string | undefined;
    let calls = 0;
    for await (const chunk of stream) {
      const u = chunk.usageMetadata;
      if (u) {
        const cached = u.cachedContentTokenCount ?? 0;
        sink.usage({ inputTokens: (u.promptTokenCount ?? 0) - cached, cacheReadTokens: cached, cacheWriteTokens: 0, outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) });
      }
      const candidate = chunk.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        if (part.thought) continue;
        if (part.text) sink.text(part.text);
        if (part.functionCall) sink.toolCall({ id: part.functionCall.id ?? `call_${calls++}`, name: part.functionCall.name ?? '', argumentsJson: JSON.stringify(part.functionCall.args ?? {}) });
      }
      if (candidate?.finishReason) finish = candidate.finishReason;
    }
    if (!finish) throw new ModelError('cut_stream', 'gemini stream ended without a finishReason', { provider: 'gemini', model: request.model });
    return finish === 'STOP' ? (calls > 0 ? 'tool_use' : 'end') : finish === 'MAX_TOKENS' ? 'max_tokens' : finish === 'SAFETY' || finish === 'PROHIBITED_CONTENT' ? 'content_filter' : 'other';
  }
}

function flatten(content: string | readonly TextBlock[]): string {
  return typeof content === 'string' ? content : content.map((b) => b.text).join('');
}

function toContent(m: ChatMessage): Content {
  if (m.role === 'tool') return { role: 'user', parts: [{ functionResponse: { name: m.name, response: { content: m.content } } }] };
  if (m.role === 'assistant') {
    return { role: 'model', parts: [...(m.content ? [{ text: m.content }] : []), ...(m.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: JSON.parse(c.argumentsJson || '{}') as Record<string, unknown> } }))] };
  }
  return { role: 'user', parts: [{ text: flatten(m.content) }] };
}
