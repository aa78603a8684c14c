// The models a run calls, as the editor assembles them: keys from SecretStorage (the environment
// as a fallback, as the CLI reads it), vscode.lm when wanted, or a recorded session to replay.
import * as path from 'node:path';
import { loadModels, type Models } from '../app/engine';
import { candidatesFrom, providerConfigFrom, type EditorSettings } from '../app/editorSettings';
import { ENV_KEYS } from '../providers/config';
import { languageModelCandidates, LanguageModelClient, lmPriceBook, LM_PROVIDER } from './lmProvider';
import type { ApiKeys } from './secrets';

export async function editorModels(settings: EditorSettings, keys: ApiKeys, root: string): Promise<Models> {
  const replay = settings.replaySession.trim() ? path.resolve(root, settings.replaySession.trim()) : undefined;
  const config = providerConfigFrom(settings, await keys.all(), process.env, ENV_KEYS);
  let extra;
  if (!replay && settings.languageModels !== 'off' && (settings.languageModels === 'always' || Object.keys(config.providers).length === 0)) {
    const candidates = await languageModelCandidates();
    if (candidates.length) extra = { provider: LM_PROVIDER, client: new LanguageModelClient(), candidates, prices: lmPriceBook } as const;
  }
  return loadModels({
    config,
    ...(replay ? { replay } : {}),
    candidates: candidatesFrom(settings),
    ...(extra ? { extra } : {}),
    noProviderHint: 'no model provider is configured: run "CodeCompanion: Set API Key", sign in to a VS Code language model (e.g. GitHub Copilot), or set codecompanion.replaySession to a recorded session',
  });
}
