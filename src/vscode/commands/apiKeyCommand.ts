// Set API Key: per provider, into SecretStorage (never settings). Part of the entry bundle: it
// needs no engine.
import * as vscode from 'vscode';
import { SDK_PROVIDERS } from '../../providers/config';
import type { ApiKeys } from '../secrets';
import { isSdkProvider } from '../secrets';

export async function setApiKeyCommand(c: { keys: ApiKeys; log: vscode.LogOutputChannel }, arg: unknown): Promise<void> {
  if (arg !== undefined) {
    // checked by hand, not with zod: this file is in the entry bundle, which stays small
    const { provider, key } = (typeof arg === 'object' && arg !== null ? arg : {}) as { provider?: unknown; key?: unknown };
    if (!isSdkProvider(provider) || typeof key !== 'string' || !key.trim()) throw new Error(`codecompanion.setApiKey takes { provider: ${SDK_PROVIDERS.join(' | ')}, key: string }`);
    await c.keys.set(provider, key);
    c.log.info(`API key stored for ${provider}`);
    return;
  }
  const presence = await c.keys.presence();
  const pick = await vscode.window.showQuickPick(
    presence.map((p) => ({ label: p.provider, description: p.hasKey ? '$(key) key set' : 'no key' })),
    { title: 'CodeCompanion: Set API Key', placeHolder: 'Which provider?' },
  );
  if (!pick || !isSdkProvider(pick.label)) return;
  const key = await vscode.window.showInputBox({ title: `API key for ${pick.label}`, prompt: 'Stored in VS Code SecretStorage, never in settings. Empty: remove the key.', password: true, ignoreFocusOut: true });
  if (key === undefined) return;
  if (key.trim()) await c.keys.set(pick.label, key);
  else await c.keys.delete(pick.label);
  c.log.info(`API key ${key.trim() ? 'stored' : 'removed'} for ${pick.label}`);
  void vscode.window.showInformationMessage(`CodeCompanion: API key for ${pick.label} ${key.trim() ? 'stored' : 'removed'}.`);
}

