// Words for keyword retrieval: identifiers are split at camelCase, snake_case and digits (and kept
// whole), lowercased, English stop words dropped, plurals folded, so "Creates arrays of chunks"
// meets `createChunkArray`.
const STOP = new Set(
  'a an and are as at be by for from has have if in into is it its of on or that the their then there these this to was were will with which when where who not no can may also any all each only than so such via using used use does do'.split(' '),
);

/** Keywords see the path and symbol too: "where is the router" finds src/router.ts. */
export function searchableText(path: string, symbol: string | null | undefined, text: string): string {
  return `${path} ${symbol ?? ''}\n${text}`;
}

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.match(/[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g) ?? []) {
    let terms = seen.get(raw);
    if (terms === undefined) {
      terms = termsOf(raw);
      // code repeats its identifiers: remembering each one's terms makes indexing about twice as fast
      if (seen.size >= MAX_SEEN) seen.clear();
      seen.set(raw, terms);
    }
    for (const t of terms) out.push(t);
  }
  return out;
}

const MAX_SEEN = 200_000;
const seen = new Map<string, readonly string[]>();

function termsOf(raw: string): string[] {
  const out: string[] = [];
  const parts = raw.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').split(/[\s_$]+/).filter(Boolean);
  if (parts.length > 1) push(out, raw.toLowerCase().replace(/[_$]/g, ''));
  for (const p of parts) push(out, p.toLowerCase());
  return out;
}

function push(out: string[], word: string): void {
  if (word.length < 2 || word.length > 40 || STOP.has(word)) return;
  out.push(stem(word));
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  return word;
}
