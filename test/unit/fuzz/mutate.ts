// Mutations of a valid JSON value for the fuzz suites: at one randomly chosen place (the root, a
// field, an array element) the value is replaced by random JSON or an edge value, or removed.
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

function paths(value: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function setAt(value: Json, path: Path, next: Json | undefined): Json {
  if (path.length === 0) return next === undefined ? null : next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number]!, rest, next);
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  if (rest.length === 0 && next === undefined) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string]!, rest, next);
  return copy;
}

const edge = fc.constantFrom<Json>(null, -1, 0, 1e308, -1e308, 0.5, '', ' ', 'x'.repeat(5000), [], {}, true, false, '\u001b[2J', '__proto__', 'constructor', Number.MAX_SAFE_INTEGER + 2);

/** A valid value with one random change: replaced (random JSON or an edge value) or removed. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const json = valid as Json;
  const all = paths(json);
  return fc.tuple(fc.nat({ max: all.length - 1 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, edge, fc.constant(undefined))).map(([i, next]) => setAt(json, all[i]!, next));
}
