// An API server on a loopback port over the sample workspace, its models on the fake vendor servers.
import * as http from 'node:http';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../../src/server/apiServer';
import type { FakeModelServer } from '../../fakes/fakeModelServer';
import { fakeEnv, sampleWorkspace } from '../orchestrator/helpers';

export const TOKEN = 'TestToken-0123456789_abcdefGHIJKLmnopqrstUV'; // 43 base64url characters, as serve makes them

export interface Served {
  readonly root: string;
  readonly server: ApiServer;
  readonly url: string;
  readonly port: number;
  /** fetch with the token, JSON in and out. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export async function serve(models: FakeModelServer, options: Partial<ApiServerOptions> = {}, root = sampleWorkspace()): Promise<Served> {
  const server = await createApiServer({ root, env: fakeEnv(models), token: TOKEN, version: '0.0.0-test', allowCheck: false, heartbeatMs: 200, pollMs: 50, ...options });
  const { url, port } = await server.listen(0, '127.0.0.1');
  return {
    root,
    server,
    url,
    port,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the test looks at the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** A raw request with exactly these headers (fetch would set Host itself). */
export function rawRequest(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `probe` until it gives a value (generous ceiling: the tests run on a loaded 2-core machine). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ceilingMs = 120_000): Promise<T> {
  const deadline = Date.now() + ceilingMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const hunkUrl = (id: string, verb: string) => `/review/hunks/${encodeURIComponent(id)}/${verb}`;
