// The webview's end of the protocol: every message from the host is parsed before use.
import { parseHostMessage, type HostMessage, type WebviewMessage } from '../src/protocol/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send(message: WebviewMessage): void {
  api.postMessage(message);
}

export function onHostMessage(handler: (m: HostMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = parseHostMessage(event.data);
    if (parsed.ok) handler(parsed.message);
    else console.warn(`CodeCompanion: ignored a malformed host message: ${parsed.error}`);
  });
}
