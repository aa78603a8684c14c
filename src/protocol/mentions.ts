// The `@file` mention syntax, shared by the chat box (completion while typing) and the host (which
// resolves mentions to workspace files on send): `@` at the start or after a space, then a path with
// no spaces. A trailing `.`, `,`, `;`, `:`, `!`, `?` or `)` ends the sentence, not the path.

const TRAILING = /[.,;:!?)]+$/;

export interface MentionQuery {
  /** Where the `@` is. */
  readonly start: number;
  /** What follows it up to the caret. */
  readonly query: string;
}

/** The mention being typed at the caret, if the caret is in one. */
export function mentionAt(text: string, caret: number): MentionQuery | undefined {
  const before = text.slice(0, caret);
  const m = /(?:^|\s)@([^\s@]*)$/.exec(before);
  if (!m) return undefined;
  return { start: caret - m[1]!.length - 1, query: m[1]! };
}

/** Replaces the mention being typed with `@path ` and says where the caret goes. */
export function completeMention(text: string, at: MentionQuery, caret: number, path: string): { text: string; caret: number } {
  const inserted = `@${path} `;
  const rest = text.slice(caret).replace(/^\S*/, '').replace(/^ /, '');
  return { text: text.slice(0, at.start) + inserted + rest, caret: at.start + inserted.length };
}

/** Every distinct path mentioned, in order of first mention. */
export function parseMentions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\s)@([^\s@]+)/g)) {
    const path = m[1]!.replace(TRAILING, '');
    if (path && !out.includes(path)) out.push(path);
  }
  return out;
}
