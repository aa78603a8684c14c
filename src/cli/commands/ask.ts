// codecompanion ask "PROMPT" [--provider P] [--model M] [--json]: one call through the same
// resilient client the agents use, so a user can check a key and a model in one line.
import { ModelError, type ModelResult } from '../../core/ports/model';
import { loadProviderConfigFromEnv, missingKeyMessage, SDK_PROVIDERS, SET_A_PROVIDER, type SdkProvider } from '../../providers/config';
import { createProviderRegistry } from '../../providers/registry';
import { parseCommandLine, UsageError, wholeNumber, type CliCommand } from '../io';

const OPTIONS = {
  provider: { type: 'string' },
  model: { type: 'string' },
  system: { type: 'string' },
  'max-tokens': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const askCommand: CliCommand = {
  name: 'ask',
  usage: 'ask "PROMPT" [--provider anthropic|openai|gemini|openai-compatible] [--model M] [--system S] [--max-tokens N] [--json]',
  summary: 'one model call, streamed to stdout (--json: text, usage, cost, attempts, stop reason)',
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    const prompt = positionals.join(' ').trim();
    if (!prompt) throw new UsageError('give the prompt, e.g. codecompanion ask "say hello"');
    const maxTokens = values['max-tokens'] === undefined ? 4096 : wholeNumber(values['max-tokens'], '--max-tokens', 1, 1_000_000);

    const registry = createProviderRegistry(loadProviderConfigFromEnv(io.env));
    const provider = pickProvider(values.provider, registry.configured());
    const client = registry.client(provider)!;
    const model = values.model ?? registry.defaultModel(provider);

    let result: ModelResult | undefined;
    let streamedAttempt = 0;
    try {
      for await (const delta of client.stream({
        model,
        ...(values.system ? { system: values.system } : {}),
        messages: [{ role: 'user', content: prompt }],
        maxOutputTokens: maxTokens,
        signal: io.signal,
      })) {
        if (delta.type === 'done') result = delta.result;
        else if (values.json) continue;
        else if (delta.type === 'text') {
          streamedAttempt = delta.attempt;
          io.stdout.write(delta.text);
        } else if (delta.type === 'superseded' && delta.attempt === streamedAttempt) {
          // what reached the terminal cannot be taken back: say plainly that a new answer follows
          io.stdout.write('\n');
          io.stderr.write(`[attempt ${delta.attempt} failed (${delta.reason}); the text above is void, retrying]\n`);
        }
      }
    } catch (err) {
      if (err instanceof ModelError) {
        io.stderr.write(`codecompanion ask: ${err.message}\n`);
        return err.kind === 'config' ? 2 : 1;
      }
      throw err;
    }
    if (!result) throw new Error(`${provider} stream ended without a result`);
    if (values.json) {
      io.stdout.write(
        JSON.stringify({
          text: result.text,
          provider: result.provider,
          model: result.model,
          usage: result.usage,
          costUsd: result.costUsd,
          attempts: result.attempts,
          stopReason: result.stopReason,
        }) + '\n',
      );
    } else {
      if (!result.text.endsWith('\n')) io.stdout.write('\n');
      const cost = result.costUsd === null ? 'cost unknown (no price for this model)' : `$${result.costUsd.toFixed(6)}`;
      io.stderr.write(`${result.provider}/${result.model}: ${result.usage.inputTokens} in, ${result.usage.outputTokens} out, ${cost}, ${result.attempts} attempt(s), stop: ${result.stopReason}\n`);
    }
    if (result.stopReason === 'max_tokens') io.stderr.write(`codecompanion ask: the answer was cut at ${maxTokens} output tokens: raise --max-tokens\n`);
    if (result.stopReason === 'content_filter') io.stderr.write(`codecompanion ask: ${result.provider} stopped the answer with its content filter\n`);
    // a truncated or filtered answer is not a success, even though text came back
    return result.stopReason === 'max_tokens' || result.stopReason === 'content_filter' ? 3 : 0;
  },
};

/** The named provider (which must be configured), else the first configured one. */
export function pickProvider(name: string | undefined, configured: readonly SdkProvider[]): SdkProvider {
  if (name !== undefined) {
    if (!SDK_PROVIDERS.includes(name as SdkProvider)) throw new UsageError(`unknown provider '${name}': use one of ${SDK_PROVIDERS.join(', ')}`);
    if (!configured.includes(name as SdkProvider)) throw new UsageError(missingKeyMessage(name as SdkProvider));
    return name as SdkProvider;
  }
  const first = configured[0];
  if (!first) throw new UsageError(`no model provider is configured: ${SET_A_PROVIDER}`);
  return first;
}

