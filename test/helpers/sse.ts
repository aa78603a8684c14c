// A Server-Sent Events client over fetch, as a browser's EventSource reads the stream: frames split on
// blank lines, `id:` and `data:` fields, comments ignored. Tests stop it whenever they like.
export interface SseFrame {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** The next frame, or undefined when the server ended the stream. */
  next(): Promise<SseFrame | undefined>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    status: res.status,
    headers: res.headers,
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: { id?: string; event: string; data: string[] } = { event: 'message', data: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
            else if (field === 'data') frame.data.push(value);
          }
          if (frame.data.length === 0) continue; // a comment or retry: only
          return { ...(frame.id !== undefined ? { id: frame.id } : {}), event: frame.event, data: frame.data.join('\n') };
        }
        let chunk;
        try {
          chunk = await reader.read();
        } catch {
          return undefined;
        }
        if (chunk.done) return undefined;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close() {
      controller.abort();
    },
  };
}
