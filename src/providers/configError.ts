// A setting or environment variable the user has to fix (CODECOMPANION_PRICING, _MODELS, _FALLBACK,
// a base URL, --models). The message names the setting and what it should hold; the CLI exits 2 on
// it, the editor shows it as a warning.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
