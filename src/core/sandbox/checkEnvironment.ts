// The environment a check command (model-written code) runs with: an allowlist, never the host's
// environment. PATH, LANG/LANGUAGE/LC_*, CI, HOME and TMPDIR pointed into the scratch area, plus the
// variables the user listed by name. A listed variable that looks like a secret (*_KEY, *_TOKEN,
// *_SECRET, *PASSWORD*...) or whose value is one is refused, whatever the list says.
import { isSecretName, Redactor } from '../security/redaction';

export interface CheckEnvRequest {
  /** The host's environment: where the allowed values come from. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  /** Names the user asked to pass on. */
  readonly pass: readonly string[];
  readonly home: string;
  readonly tmp: string;
  /** Variables this program adds (the process-tree marker). */
  readonly extra?: Readonly<Record<string, string>>;
}

const ALWAYS = ['PATH', 'LANG', 'LANGUAGE'];

export function checkEnvironment(request: CheckEnvRequest): Record<string, string> {
  const env: Record<string, string> = {};
  const host = request.hostEnv;
  for (const name of ALWAYS) if (host[name] !== undefined) env[name] = host[name]!;
  for (const [name, value] of Object.entries(host)) if (name.startsWith('LC_') && value !== undefined && !isSecretName(name)) env[name] = value;
  const refused = new Set(refusedCheckVariables(request.pass, host).map((r) => r.name));
  for (const name of request.pass) if (!refused.has(name) && host[name] !== undefined) env[name] = host[name]!;
  Object.assign(env, { HOME: request.home, TMPDIR: request.tmp, TMP: request.tmp, TEMP: request.tmp, CI: '1' }, request.extra ?? {});
  return env;
}

export interface RefusedVariable {
  readonly name: string;
  readonly why: string;
}

/** The listed names a check will not get, and why: for the host to say so once. */
export function refusedCheckVariables(pass: readonly string[], hostEnv: Readonly<Record<string, string | undefined>>): RefusedVariable[] {
  const known = Redactor.fromEnv(hostEnv);
  const out: RefusedVariable[] = [];
  for (const name of pass) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) out.push({ name, why: 'not a variable name' });
    else if (isSecretName(name)) out.push({ name, why: 'a check never gets a key, token, secret or password variable' });
    else if (['HOME', 'TMPDIR', 'TMP', 'TEMP'].includes(name)) out.push({ name, why: 'a check gets a scratch HOME and TMPDIR' });
    else {
      const value = hostEnv[name];
      if (value && known.text(value) !== value) out.push({ name, why: 'its value holds a secret' });
    }
  }
  return out;
}

/** "A,B C" (a setting, a flag or CODECOMPANION_CHECK_ENV) as names. */
export function parseVariableList(text: string | readonly string[] | undefined): string[] {
  const parts = typeof text === 'string' ? [text] : [...(text ?? [])];
  return [...new Set(parts.flatMap((p) => p.split(/[\s,]+/)).filter(Boolean))];
}
