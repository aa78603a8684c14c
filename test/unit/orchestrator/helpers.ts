// Shared set-up for the orchestrator tests: the sample workspace in a temp folder, and the
// environment that points the real vendor SDKs at the loopback fake servers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseEvent, type RecordedEvent } from '../../../src/core/events';
import { startFakeModelServer, type FakeModelServer } from '../../fakes/fakeModelServer';
import { pacedSampleTeam } from '../../fakes/sampleTeam';

export const SAMPLES = path.resolve(__dirname, '../../../samples');
export const SECRET = 'fake-key-SECRET-never-printed-42';

export function sampleWorkspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-orch-'));
  fs.cpSync(path.join(SAMPLES, 'workspace'), root, { recursive: true });
  return root;
}

export function fakeEnv(server: FakeModelServer): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_API_KEY: SECRET,
    ANTHROPIC_BASE_URL: server.urls.anthropic,
    OPENAI_API_KEY: SECRET,
    OPENAI_BASE_URL: server.urls.openai,
    GEMINI_API_KEY: SECRET,
    GEMINI_BASE_URL: server.urls.gemini,
  };
}

export function jsonLines(stdout: string): RecordedEvent[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = JSON.parse(l) as { runId: string; seq: number; ts: number; type: string; data: unknown };
      return parseEvent({ ...e, globalSeq: 0 });
    });
}

export function ofType<T extends RecordedEvent['type']>(events: readonly RecordedEvent[], type: T): Extract<RecordedEvent, { type: T }>[] {
  return events.filter((e): e is Extract<RecordedEvent, { type: T }> => e.type === type);
}

/**
 * For a describe block: one fake vendor server for its tests, reset before each to the sample team
 * answering after `delayMs`. Returns a getter (the server exists once `before` ran).
 */
export function sampleTeamServer(delayMs = 0): () => FakeModelServer {
  let server: FakeModelServer;
  before(async () => (server = await startFakeModelServer()));
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    server.respond(pacedSampleTeam(delayMs));
  });
  return () => server;
}
