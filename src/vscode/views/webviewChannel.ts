// One webview's side of the protocol: HTML with a strict CSP and a nonce, local resources only;
// messages to it held until it says it is ready; messages from it parsed (untrusted input) before
// anyone sees them. A webview that comes back after being hidden says ready again and gets state.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../protocol/messages';

/**
 * `firstScreen`: HTML the host wrote (every text escaped) shown until the script takes the page over.
 * VS Code shows a webview's page at its load event (or 200 ms in), which waits for every stylesheet,
 * font and script, each fetched through the webview's service worker: the page's own styles are
 * inline, and the codicons and the script are added only once the page has loaded and been painted
 * (an async script still holds the load event, and the frame's one thread while it compiles).
 * `script`: 'deferred' as above; 'now' for a page made ahead of its content (the run panel created while
 * Show Run's list is open), whose script should be ready to take messages as soon as it can; 'none'
 * for a placeholder page shown while the host reads what the real one needs.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: 'dashboard' | 'panel', title: string, firstScreen = '', script: 'deferred' | 'now' | 'none' = 'deferred'): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', name)).toString();
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`, `style-src ${webview.cspSource} 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<script nonce="${nonce}">performance.mark('cc-written')</script>
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${pageStyle(extensionUri, nonce, asset('webview.css'))}
<title>${title}</title>
</head>
<body data-view="${view}">
<main id="app" aria-live="polite">${firstScreen}</main>
${script === 'deferred' ? `<script nonce="${nonce}">${deferredScript(nonce, asset('webview.js'), asset('codicon.css'))}</script>` : script === 'now' ? `${inlineScript(extensionUri, nonce, asset('webview.js'))}<script nonce="${nonce}">${codiconsAfterLoad(asset('codicon.css'))}</script>` : ''}
</body>
</html>`;
}

let styleText: string | undefined;

/** dist/webview.css inline (read once; a link to it if it cannot be read). */
function pageStyle(extensionUri: vscode.Uri, nonce: string, href: string): string {
  try {
    styleText ??= readFileSync(path.join(extensionUri.fsPath, 'dist', 'webview.css'), 'utf8');
    return `<style nonce="${nonce}">${styleText.replace(/<\/style/gi, '<\\/style')}</style>`;
  } catch {
    return `<link rel="stylesheet" href="${href}">`;
  }
}

let scriptText: string | undefined;

/**
 * dist/webview.js inline (read once; a script element naming it if it cannot be read): a page made
 * ahead of its content needs its script as soon as it can run, and a script fetched goes through the
 * webview's service worker, the workbench and the server before it runs.
 */
function inlineScript(extensionUri: vscode.Uri, nonce: string, src: string): string {
  try {
    scriptText ??= readFileSync(path.join(extensionUri.fsPath, 'dist', 'webview.js'), 'utf8');
    // '<!--' and '<script' would change how the page's parser reads the script's text (the bundle has neither)
    if (/<!--|<script|<\/script/i.test(scriptText)) throw new Error('not inlinable');
    return `<script nonce="${nonce}">${scriptText}</script>`;
  } catch {
    return `<script nonce="${nonce}" src="${src}"></script>`;
  }
}

/**
 * Inline (allowed by its nonce): after load, the next frame, then a task, the codicons' stylesheet
 * (the id is how @vscode-elements finds it) and the bundle (with the same nonce) are added; a frame
 * not drawn at all (a hidden view: no animation frames) gets them 100 ms after load.
 */
function deferredScript(nonce: string, src: string, codicons: string): string {
  const add =
    `if(added)return;added=true;const l=document.createElement('link');l.rel='stylesheet';l.id='vscode-codicon-stylesheet';l.href=${JSON.stringify(codicons)};document.head.appendChild(l);` +
    `const s=document.createElement('script');s.nonce=${JSON.stringify(nonce)};s.src=${JSON.stringify(src)};document.body.appendChild(s);`;
  return `(()=>{let added=false;const add=()=>{${add}};addEventListener('load',()=>{requestAnimationFrame(()=>setTimeout(add));setTimeout(add,100);},{once:true});})();`;
}

/** The codicons' stylesheet (34 KB, and the font it names) once the page has loaded. */
function codiconsAfterLoad(href: string): string {
  return `addEventListener('load',()=>{const l=document.createElement('link');l.rel='stylesheet';l.id='vscode-codicon-stylesheet';l.href=${JSON.stringify(href)};document.head.appendChild(l);},{once:true});`;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')] };
}

export class WebviewChannel implements vscode.Disposable {
  private ready = false;
  private held: HostMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    private readonly log: vscode.LogOutputChannel,
    onMessage: (message: WebviewMessage) => void | Promise<void>,
  ) {
    this.disposables.push(
      webview.onDidReceiveMessage(async (raw: unknown) => {
        const parsed = parseWebviewMessage(raw);
        if (!parsed.ok) {
          this.log.warn(`ignored a malformed message from a webview: ${parsed.error}`);
          return;
        }
        if (parsed.message.type === 'ready') {
          this.ready = true;
          const held = this.held;
          this.held = [];
          for (const m of held) void this.webview.postMessage(m);
        }
        try {
          await onMessage(parsed.message);
        } catch (err) {
          this.log.error(`webview message ${parsed.message.type}: ${(err as Error).message}`);
        }
      }),
    );
  }

  post(message: HostMessage): void {
    if (this.ready) void this.webview.postMessage(message);
    else this.held.push(message);
  }

  /**
   * The page's script listens from the moment it is parsed (a `script: 'now'` page): messages go at
   * once, without waiting for its ready, and VS Code holds them until the page has loaded.
   */
  listening(): void {
    this.ready = true;
    const held = this.held;
    this.held = [];
    for (const m of held) void this.webview.postMessage(m);
  }

  /** After the webview's HTML is replaced or it was disposed while hidden: wait for ready again. */
  reset(): void {
    this.ready = false;
    this.held = [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
