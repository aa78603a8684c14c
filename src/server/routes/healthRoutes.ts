// GET /health (no token: for liveness probes; says nothing secret) and the keys: which providers have
// one and where it comes from, set or dropped for this server's lifetime. A key is never echoed.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { WorkspaceStore } from '../../app/workspaceStore';
import type { SdkProvider } from '../../providers/config';
import { ErrorBodySchema } from '../apiErrors';
import { HealthSchema, KeysSchema, OkSchema, ProviderParam, PutKeyBody } from '../apiSchemas';
import type { KeyRing } from '../keyRing';
import type { RunService } from '../runService';
import type { TeamPublisher } from '../../team/teamPublisher';

export function registerHealthRoutes(app: FastifyInstance, deps: { store: WorkspaceStore; keys: KeyRing; runs: RunService; version: string; team?: TeamPublisher }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/health', { schema: { summary: 'Liveness, version, database and which providers are configured', security: [], response: { 200: HealthSchema } } }, async () => {
    let database: { status: 'ok' | 'unavailable'; runs: number | null; message?: string };
    try {
      database = { status: 'ok', runs: (await (await deps.store.read()).store.listRuns()).length };
    } catch (err) {
      database = { status: 'unavailable', runs: null, message: (err as Error).message.split('\n')[0]! };
    }
    const providers = Object.fromEntries(deps.keys.status().map((k) => [k.provider, k.configured]));
    const teamBus = deps.team ? (deps.team.status.state === 'ok' ? 'ok' : `degraded: ${deps.team.status.reason}`) : 'off';
    return { status: database.status === 'ok' ? 'ok' : 'degraded', version: deps.version, database, providers, activeRun: deps.runs.activeRunId ?? null, teamBus } as const;
  });

  api.get('/keys', { schema: { summary: 'Which providers have a key, and where it comes from (never the key)', response: { 200: KeysSchema } } }, async () => ({ keys: deps.keys.status() }));

  api.put('/keys/:provider', { schema: { summary: "Set a provider's key for this server's lifetime (kept in memory only)", params: ProviderParam, body: PutKeyBody, response: { 200: OkSchema, 400: ErrorBodySchema } } }, async (request) => {
    deps.keys.put(request.params.provider as SdkProvider, request.body.key);
    return { ok: true, message: `${request.params.provider} key set for this server's lifetime; it is kept in memory only` } as const;
  });

  api.delete('/keys/:provider', { schema: { summary: 'Drop a key set through the API (a key from the environment stays)', params: ProviderParam, response: { 200: OkSchema } } }, async (request) => {
    const provider = request.params.provider as SdkProvider;
    const dropped = deps.keys.drop(provider);
    const still = deps.keys.status().find((k) => k.provider === provider);
    const message = dropped
      ? still?.configured ? `${provider} key dropped; the key from ${still.source} still applies` : `${provider} key dropped`
      : `no ${provider} key was set through the API${still?.configured ? `; the key from ${still.source} applies and can only be changed in the server's environment` : ''}`;
    return { ok: true, message } as const;
  });
}
