// The VS Code Language Model API (vscode.lm: Copilot and other installed chat models) as a core
// ModelClient. vscode.lm has no structured output, so a schema request becomes a JSON-only
// instruction, and the answer is cut down to its JSON (the agent still validates it and asks for a
// repair if it does not match). Calls are paid by the user's subscription, not per token: they
// cost $0 here and in the price book, so budgets never stop them.
import * as vscode from 'vscode';
import { extractJson, jsonOnlyInstruction } from '../app/jsonOnly';
import { ModelError, type ChatMessage, type ModelClient, type ModelDelta, type ModelRequest, type PriceBook, type TextBlock } from '../core/ports/model';
import type { ModelCandidate } from '../core/router/router';

export const LM_PROVIDER = 'vscode-lm';

export const lmPriceBook: PriceBook = { priceOf: (p) => (p === LM_PROVIDER ? { input: 0, output: 0 } : undefined) };

export async function languageModelCandidates(): Promise<ModelCandidate[]> {
  const models = await vscode.lm.selectChatModels();
  return models.map((m) => ({ provider: LM_PROVIDER, model: m.id, priorQuality: 0.6 }));
}

const text = (content: string | readonly TextBlock[]) => (typeof content === 'string' ? content : content.map((b) => b.text).join(''));

function toMessages(request: ModelRequest): vscode.LanguageModelChatMessage[] {
  // no system role in vscode.lm: the system prompt (and the JSON instruction) lead the first user turn
  const preamble = [request.system ? text(request.system) : '', request.jsonSchema ? jsonOnlyInstruction(request.jsonSchema.name, request.jsonSchema.schema) : ''].filter(Boolean).join('\n\n');
  const out: vscode.LanguageModelChatMessage[] = preamble ? [vscode.LanguageModelChatMessage.User(preamble)] : [];
  for (const m of request.messages as readonly ChatMessage[]) {
    if (m.role === 'user') out.push(vscode.LanguageModelChatMessage.User(text(m.content)));
    else if (m.role === 'assistant') {
      const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [new vscode.LanguageModelTextPart(m.content)];
      for (const c of m.toolCalls ?? []) parts.push(new vscode.LanguageModelToolCallPart(c.id, c.name, safeParse(c.argumentsJson)));
      out.push(vscode.LanguageModelChatMessage.Assistant(parts));
    } else out.push(vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart(m.toolCallId, [new vscode.LanguageModelTextPart(m.content)])]));
  }
  return out;
}

function safeParse(json: string): object {
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

function modelError(err: unknown, model: string): ModelError {
  if (err instanceof ModelError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof vscode.LanguageModelError) {
    const kind = err.code === vscode.LanguageModelError.NoPermissions.name ? 'auth' : err.code === vscode.LanguageModelError.NotFound.name ? 'config' : 'bad_request';
    return new ModelError(kind, `VS Code language model ${model}: ${message}`, { provider: LM_PROVIDER, model });
  }
  if (err instanceof vscode.CancellationError) return new ModelError('aborted', 'cancelled', { provider: LM_PROVIDER, model });
  return new ModelError('server', `VS Code language model ${model}: ${message}`, { provider: LM_PROVIDER, model });
}

export class LanguageModelClient implements ModelClient {
  readonly provider = LM_PROVIDER;

  async *stream(request: ModelRequest): AsyncIterable<ModelDelta> {
    const [model] = await vscode.lm.selectChatModels({ id: request.model });
    if (!model) throw new ModelError('config', `the VS Code language model '${request.model}' is not available: sign in to its extension (e.g. GitHub Copilot) or pick another model`, { provider: LM_PROVIDER, model: request.model });
    const messages = toMessages(request);
    const cts = new vscode.CancellationTokenSource();
    const abort = () => cts.cancel();
    request.signal?.addEventListener('abort', abort, { once: true });
    let answer = '';
    const toolCalls: { id: string; name: string; argumentsJson: string }[] = [];
    try {
      const tools = request.tools?.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
      const response = await model.sendRequest(messages, { justification: 'CodeCompanion runs planner, coder and reviewer agents on your objective.', ...(tools?.length ? { tools } : {}) }, cts.token);
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) {
          answer += part.value;
          yield { type: 'text', text: part.value, attempt: 1 };
        } else if (part instanceof vscode.LanguageModelToolCallPart) {
          const call = { id: part.callId, name: part.name, argumentsJson: JSON.stringify(part.input) };
          toolCalls.push(call);
          yield { type: 'tool_call', call, attempt: 1 };
        }
      }
      const inputTokens = (await Promise.all(messages.map((m) => model.countTokens(m, cts.token)))).reduce((a, b) => a + b, 0);
      const outputTokens = answer ? await model.countTokens(answer, cts.token) : 0;
      let final = answer;
      if (request.jsonSchema) {
        const json = extractJson(answer);
        if (json === undefined) throw new ModelError('malformed', `${model.id} did not answer with JSON for ${request.jsonSchema.name}`, { provider: LM_PROVIDER, model: model.id });
        final = json;
      }
      yield {
        type: 'done',
        result: { provider: LM_PROVIDER, model: model.id, text: final, toolCalls, stopReason: toolCalls.length ? 'tool_use' : 'end', usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0, attempts: 1 },
      };
    } catch (err) {
      throw request.signal?.aborted ? new ModelError('aborted', 'cancelled', { provider: LM_PROVIDER, model: request.model }) : modelError(err, request.model);
    } finally {
      request.signal?.removeEventListener('abort', abort);
      cts.dispose();
    }
  }
}
