// The models the extension talks to during e2e: the project's loopback fake vendor servers answering
// as the scripted sample team, reached through the same *_BASE_URL / *_API_KEY variables the CLI
// reads. Real keys from the caller's environment never reach code-server.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { pacedSampleTeam, sampleTeam } from '../../fakes/sampleTeam';
import { FAKE_KEYS } from '../../fakes/fakeKeys';
import { withE2eHostile } from '../../fakes/hostileTeam';


export interface FakeModels {
  readonly server: FakeModelServer;
  /** GET /requests[?grep=TEXT]: what the fake vendors were asked (vendor, model, auth header, the agent's role, prompt contains TEXT), for the tests. */
  readonly controlUrl: string;
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Every reply waits this long first, so a UI test can watch a run while it is going (0: no wait). */
  pace(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeModels(): Promise<FakeModels> {
  const server = await startFakeModelServer();
  server.respond(withE2eHostile(sampleTeam));
  const pace = (ms: number) => server.respond(withE2eHostile(pacedSampleTeam(ms)));
  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    if (url.pathname === '/requests') {
      // ?grep=TEXT: whether each prompt contains TEXT (prompts themselves stay here)
      const grep = url.searchParams.get('grep');
      const rows = server.requests.map((r) => ({
        ...(grep !== null ? { grep: r.prompt.includes(grep) } : {}),
        role: /Role: (\w+)/.exec(r.system)?.[1] ?? null,
        vendor: r.vendor,
        kind: r.kind,
        model: r.model,
        auth: String(r.headers['x-api-key'] ?? r.headers['x-goog-api-key'] ?? r.headers.authorization ?? ''),
        system: r.system.slice(0, 120),
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(rows));
    } else if (url.pathname === '/pace') {
      // ?ms=N: every reply waits N ms (a test that needs a run to last, e.g. to stop it mid-way)
      pace(Number(url.searchParams.get('ms') ?? 0));
      res.writeHead(204).end();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  return {
    server,
    controlUrl,
    env(base) {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(base)) if (!/_API_KEY$|_BASE_URL$|^CODECOMPANION_/.test(k)) env[k] = v;
      return {
        ...env,
        ANTHROPIC_BASE_URL: server.urls.anthropic,
        OPENAI_BASE_URL: server.urls.openai,
        GEMINI_BASE_URL: server.urls.gemini,
        ANTHROPIC_API_KEY: FAKE_KEYS.anthropic,
        OPENAI_API_KEY: FAKE_KEYS.openai,
        GEMINI_API_KEY: FAKE_KEYS.gemini,
        CC_E2E_FAKE_CONTROL: controlUrl,
      };
    },
    pace,
    async close() {
      await new Promise<void>((r) => control.close(() => r()));
      await server.close();
    },
  };
}
