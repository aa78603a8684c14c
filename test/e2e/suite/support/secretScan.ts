// Looks for a secret in every file VS Code and the extension write on the server side: the profile
// (settings.json, logs, global and workspace storage), the XDG folders and the workspace with its
// .codecompanion state. The browser's own profile, where the web workbench keeps SecretStorage, is
// the one place a key belongs, and is left out.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ScanResult {
  readonly files: string[];
  readonly hits: string[];
}

export function scanFor(secret: string, roots: readonly string[]): ScanResult {
  const files: string[] = [];
  const hits: string[] = [];
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return; // gone while we walked (a log rotated, a socket closed)
    }
    if (st.isDirectory()) {
      if (/^chromium-/.test(path.basename(p)) || path.basename(p) === 'node_modules') return;
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    } else if (st.isFile() && st.size < 64 << 20) {
      files.push(p);
      if (fs.readFileSync(p).includes(secret)) hits.push(p);
    }
  };
  for (const r of roots) walk(r);
  return { files, hits };
}
