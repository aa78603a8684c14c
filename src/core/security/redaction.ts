// Keys never leave the process in anything a model or a check produced: every such text is
// scrubbed of the known secret values before it is stored (the run log's append), sent (the prompt
// of every model call) or printed (the CLI's output streams). Known values are the configured
// provider keys (environment or SecretStorage) and the values of any secret-looking variable in
// the host's environment. The check command never gets those variables in the first place
// (src/core/sandbox/checkEnvironment.ts); this is the second wall.

export const REDACTED = '[redacted]';

/** Values shorter than this are not treated as secrets: redacting "1" or "true" would garble text. */
export const MIN_SECRET_LENGTH = 8;

/** Names a variable holding a secret has: *_KEY, *_TOKEN, *_SECRET, *PASSWORD*, and kin. */
export function isSecretName(name: string): boolean {
  return /(_KEY|_TOKEN|_SECRET|_PAT|_CREDENTIALS?)$/i.test(name) || /PASSWORD|PASSWD|SECRET|API_?KEY|ACCESS_?KEY|_TOKEN_|AUTH_?TOKEN/i.test(name);
}

/** The secret values in an environment: every secret-named variable's value of sufficient length. */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) if (value && isSecretName(name) && value.trim().length >= MIN_SECRET_LENGTH) out.push(value.trim());
  return out;
}

export class Redactor {
  private readonly secrets: readonly string[];
  private readonly pattern: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined>) {
    const unique = new Set<string>();
    for (const s of secrets) if (s && s.trim().length >= MIN_SECRET_LENGTH) unique.add(s.trim());
    // longest first, so a key that contains another is replaced whole
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length ? new RegExp(this.secrets.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  /** The host's environment plus any keys held elsewhere (the editor's SecretStorage). */
  static fromEnv(env: Readonly<Record<string, string | undefined>>, keys: Iterable<string | undefined> = []): Redactor {
    return new Redactor([...secretValuesOf(env), ...keys]);
  }

  /** A redactor knowing this one's secrets and more. */
  with(keys: Iterable<string | undefined>): Redactor {
    return new Redactor([...this.secrets, ...keys]);
  }

  get size(): number {
    return this.secrets.length;
  }

  text(text: string): string {
    return this.pattern && text.length >= MIN_SECRET_LENGTH ? text.replace(this.pattern, REDACTED) : text;
  }

  /** Every string inside a JSON-like value (event payloads, artifacts), keys of objects included. */
  deep<T>(value: T): T {
    if (!this.pattern) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const w = this.walk(v);
        if (w !== v) changed = true;
        return w;
      });
      return changed ? out : value;
    }
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const key = this.text(k);
        const w = this.walk(v);
        if (w !== v || key !== k) changed = true;
        out[key] = w;
      }
      return changed ? out : value;
    }
    return value;
  }
}

/** Redacts nothing: for tests and hosts with no secrets. */
export const NO_SECRETS = new Redactor([]);

// Shapes of vendor keys and of credentials in URLs, for provider error messages only: applied to
// model output they would rewrite legitimate code (a test fixture with `?key=abc`).
const KEY_SHAPES = [/sk-ant-[A-Za-z0-9_-]{8,}/g, /sk-[A-Za-z0-9_-]{16,}/g, /AIza[0-9A-Za-z_-]{20,}/g, /(key=)[^&\s"']+/gi, /(Bearer\s+)[^\s"']+/gi];

/** An error text from a vendor or an SDK: the known secrets, and anything shaped like a key. */
export function scrubErrorText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // a configured key is redacted whatever its length (6 at least); the shapes catch the rest
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s && s.length >= 6) out = out.split(s).join(REDACTED);
  for (const p of KEY_SHAPES) out = out.replace(p, (_m, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}${REDACTED}`);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
