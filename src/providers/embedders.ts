// Embeddings through the vendors' SDKs, batched. Vectors come back as Float32Array.
import type { GoogleGenAI } from '@google/genai';
import type OpenAI from 'openai';
import type { Embedder } from '../core/ports/model';

const BATCH = 96;

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  constructor(provider: 'openai' | 'openai-compatible', private readonly client: OpenAI, private readonly model: string) {
    this.id = `${provider}:${model}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const res = await this.client.embeddings.create({ model: this.model, input: texts.slice(i, i + BATCH) as string[] }, signal ? { signal } : {});
      for (const d of [...res.data].sort((a, b) => a.index - b.index)) out.push(Float32Array.from(d.embedding));
    }
    return out;
  }
}

export class GeminiEmbedder implements Embedder {
  readonly id: string;
  constructor(private readonly client: GoogleGenAI, private readonly model: string) {
    this.id = `gemini:${model}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const res = await this.client.models.embedContent({ model: this.model, contents: texts.slice(i, i + BATCH) as string[], ...(signal ? { config: { abortSignal: signal } } : {}) });
      for (const e of res.embeddings ?? []) out.push(Float32Array.from(e.values ?? []));
    }
    return out;
  }
}
