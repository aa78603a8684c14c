// The subset of gitignore(5) the indexer needs: per-directory .gitignore files, `#` comments,
// `!` negation, trailing `/` for directories only, patterns with a `/` anchored to their file's
// directory, `*`, `?`, `[...]` and `**`. The last matching rule wins, deeper files after shallower.
// Like git, a file inside an ignored directory stays ignored (the walk never enters it).

interface Rule {
  readonly regex: RegExp;
  readonly negate: boolean;
  readonly dirOnly: boolean;
}

export interface IgnoreRules {
  /** Workspace-relative directory the rules came from ('' for the root). */
  readonly base: string;
  readonly rules: readonly Rule[];
}

export function parseGitignore(base: string, text: string): IgnoreRules {
  const rules: Rule[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (!line.endsWith('\\ ')) line = line.replace(/\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
    let dirOnly = false;
    if (line.endsWith('/')) {
      dirOnly = true;
      line = line.replace(/\/+$/, '');
    }
    if (!line) continue;
    const anchored = line.includes('/');
    if (line.startsWith('/')) line = line.slice(1);
    const body = globToRegex(line);
    rules.push({ regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`), negate, dirOnly });
  }
  return { base, rules };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` matches any number of directories (none included); a final `**` everything below
          if (i + 2 === glob.length) out += '.*';
          else {
            out += '(?:.*/)?';
            i++; // the slash
          }
          i++;
          continue;
        }
      }
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        let cls = glob.slice(i + 1, close);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < glob.length) out += escapeRegex(glob[++i]!);
    else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** True if `relPath` (workspace-relative, `/`-separated) is ignored by the rules in scope. */
export function isIgnored(stack: readonly IgnoreRules[], relPath: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { base, rules } of stack) {
    if (base && !relPath.startsWith(`${base}/`)) continue;
    const local = base ? relPath.slice(base.length + 1) : relPath;
    for (const rule of rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.negate === ignored && rule.regex.test(local)) ignored = !rule.negate;
    }
  }
  return ignored;
}
