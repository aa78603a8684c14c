// API keys as the server sees them: the environment's, overlaid with keys set through PUT /keys for
// this server's lifetime. Set keys live only in this object's memory: never on disk, in a log, an
// event or a response.
import { ENV_KEYS, loadProviderConfigFromEnv, SDK_PROVIDERS, type ProviderConfig, type SdkProvider } from '../providers/config';

export interface KeyStatus {
  readonly provider: SdkProvider;
  readonly configured: boolean;
  /** Where the key comes from: "server" (PUT /keys) or the environment variable's name; never the key. */
  readonly source: string | null;
}

export class KeyRing {
  private readonly set = new Map<SdkProvider, string>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  put(provider: SdkProvider, key: string): void {
    this.set.set(provider, key);
  }

  /** Drops a key set through the API; a key from the environment stays. Returns whether one was dropped. */
  drop(provider: SdkProvider): boolean {
    return this.set.delete(provider);
  }

  /** The environment with this server's keys on top: what the run's models are built from. */
  environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.env };
    for (const [provider, key] of this.set) env[ENV_KEYS[provider].key] = key;
    return env;
  }

  config(): ProviderConfig {
    return loadProviderConfigFromEnv(this.environment());
  }

  /** Every key value in play, for scrubbing output. */
  values(): string[] {
    const out = [...this.set.values()];
    for (const p of SDK_PROVIDERS) {
      const v = this.env[ENV_KEYS[p].key];
      if (v) out.push(v);
    }
    if (this.env.GOOGLE_API_KEY) out.push(this.env.GOOGLE_API_KEY);
    return out;
  }

  status(): KeyStatus[] {
    const configured = this.config().providers;
    return SDK_PROVIDERS.map((provider) => {
      const names = ENV_KEYS[provider];
      const source = this.set.has(provider)
        ? 'server'
        : this.env[names.key]
          ? names.key
          : provider === 'gemini' && this.env.GOOGLE_API_KEY
            ? 'GOOGLE_API_KEY'
            : null;
      return { provider, configured: configured[provider] !== undefined, source };
    });
  }
}
