// API keys live in SecretStorage only: never in settings, never in logs; the webview learns
// whether a key is there, not the key.
import * as vscode from 'vscode';
import { ENV_KEYS, SDK_PROVIDERS, type SdkProvider } from '../providers/config';

const secretName = (p: SdkProvider) => `codecompanion.apiKey.${p}`;

export class ApiKeys {
  readonly onDidChange: vscode.Event<vscode.SecretStorageChangeEvent>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.onDidChange = secrets.onDidChange;
  }

  async set(provider: SdkProvider, key: string): Promise<void> {
    await this.secrets.store(secretName(provider), key.trim());
  }

  async delete(provider: SdkProvider): Promise<void> {
    await this.secrets.delete(secretName(provider));
  }

  /** Asked all at once: each read is a round trip to the window, and Run Objective's prompt waits for them. */
  async all(): Promise<Partial<Record<SdkProvider, string>>> {
    const keys = await Promise.all(SDK_PROVIDERS.map((p) => this.secrets.get(secretName(p))));
    const out: Partial<Record<SdkProvider, string>> = {};
    SDK_PROVIDERS.forEach((p, i) => {
      if (keys[i]) out[p] = keys[i];
    });
    return out;
  }

  /** Whether each provider has a key, here or in the environment. */
  async presence(): Promise<{ provider: SdkProvider; hasKey: boolean }[]> {
    const stored = await this.all();
    return SDK_PROVIDERS.map((provider) => ({ provider, hasKey: Boolean(stored[provider] || process.env[ENV_KEYS[provider].key]) }));
  }
}

export function isSdkProvider(value: unknown): value is SdkProvider {
  return typeof value === 'string' && (SDK_PROVIDERS as readonly string[]).includes(value);
}
