// `codecompanion serve`: one workspace over HTTP. Fastify validates every request and response with
// the zod schemas in apiSchemas.ts (fastify-type-provider-zod) and @fastify/swagger turns the same
// schemas into the OpenAPI document. Guards (Host, Origin, token) run before any route.
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { WorkspaceStore } from '../app/workspaceStore';
import { openTeamBus, trimPolicyFromEnv } from '../team/teamBus';
import { ApiError, errorBody } from './apiErrors';
import { allowedHosts, createGuards } from './requestGuards';
import { KeyRing } from './keyRing';
import { RunFanouts } from './runFanout';
import { RunService } from './runService';
import { registerHealthRoutes } from './routes/healthRoutes';
import { registerRunRoutes } from './routes/runRoutes';
import { registerEventRoutes } from './routes/eventRoutes';
import { registerReviewRoutes } from './routes/reviewRoutes';
import { WorkspaceReview } from '../app/review/workspaceReview';
import { SENSITIVE_PATHS_ENV, SensitivePaths } from '../core/patch/sensitivePaths';

export interface ApiServerOptions {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly token: string;
  readonly version: string;
  readonly origins?: ReadonlySet<string>;
  /** Whether POST /runs may bring its own check command (it runs shell). */
  readonly allowCheck: boolean;
  readonly checkCommand?: string | null;
  readonly replay?: string;
  /** Team mode: runs started here are published to Redis, and runs started elsewhere are followed from it. */
  readonly redisUrl?: string;
  readonly maxAuthFailures?: number;
  readonly authFailureWindowMs?: number;
  readonly heartbeatMs?: number;
  readonly pollMs?: number;
  /** Unread bytes an SSE subscriber may leave queued before its stream is cut (runFanout.ts). */
  readonly maxBufferedBytes?: number;
  /** Where unexpected errors are described for the operator (never to the client). */
  readonly log?: (line: string) => void;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  readonly runs: RunService;
  readonly store: WorkspaceStore;
  readonly fanouts: RunFanouts;
  /** Binds; from then on only Host headers naming this address (or `extraHosts`) are served. */
  listen(port: number, host: string, extraHosts?: readonly string[]): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

export const BODY_LIMIT_BYTES = 64 * 1024;

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, return503OnClosing: true, forceCloseConnections: true }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const store = new WorkspaceStore(options.root, 'codecompanion serve');
  const keys = new KeyRing(options.env);
  const reads = { readRun: async (runId: string, from?: number) => (await store.read()).store.readRun(runId, from), listRuns: async () => (await store.read()).store.listRuns() };
  const team = options.redisUrl ? await openTeamBus(options.redisUrl, reads, options.root, trimPolicyFromEnv(options.env), (s) => options.log?.(s.state === 'ok' ? 'serve: team bus back' : `serve: team bus degraded (${s.reason})`)) : undefined;
  const runs = new RunService({ root: options.root, store, keys, checkCommand: options.checkCommand ?? null, ...(options.replay ? { replay: options.replay } : {}), ...(team ? { bus: team.publisher } : {}) });
  const log = options.log ?? (() => undefined);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const fanouts = new RunFanouts(store, runs, { heartbeatMs, pollMs: options.pollMs ?? 250, ...(options.maxBufferedBytes ? { maxBufferedBytes: options.maxBufferedBytes } : {}) });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'CodeCompanion API', version: options.version, description: 'One workspace: runs, their live events, and the review of their patches. Bearer token in .codecompanion/api-token.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const hosts = new Set<string>(); // filled by listen(), once the port is known
  app.addHook('onRequest', createGuards({
    token: options.token,
    hosts,
    origins: options.origins ?? new Set(),
    maxFailures: options.maxAuthFailures ?? 20,
    failureWindowMs: options.authFailureWindowMs ?? 60_000,
  }));
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}: see /openapi.json`));
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(errorBody(err.code, err.message));
    if (hasZodFastifySchemaValidationErrors(err)) {
      const detail = err.validation.slice(0, 3).map((i) => `${i.instancePath.replace(/^\//, '').replace(/\//g, '.') || err.validationContext || 'request'}: ${i.message}`).join('; ');
      return reply.code(400).send(errorBody('bad_request', `${err.validationContext ?? 'request'} is not valid: ${detail}`));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status < 500) return reply.code(status).send(errorBody(clientCode(err), clientMessage(err)));
    log(`serve: ${request.method} ${request.url.split('?')[0]} failed: ${err.message.split('\n')[0]}`);
    return reply.code(500).send(errorBody('internal', 'the server failed on this request; its log says why'));
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerHealthRoutes(app, { store, keys, runs, version: options.version, ...(team ? { team: team.publisher } : {}) });
  registerRunRoutes(app, { store, runs, allowCheck: options.allowCheck });
  registerReviewRoutes(app, { review: new WorkspaceReview(options.root, store, { sensitivePaths: SensitivePaths.fromList(options.env[SENSITIVE_PATHS_ENV]) }) });
  registerEventRoutes(app, { store, runs, fanouts, heartbeatMs, ...(team ? { team: team.client } : {}) });
  await app.ready();

  return {
    app,
    runs,
    store,
    fanouts,
    async listen(port, host, extraHosts = []) {
      await app.listen({ port, host });
      const bound = (app.server.address() as { port: number }).port;
      for (const h of allowedHosts(host, bound, extraHosts)) hosts.add(h);
      const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
      return { url: `http://${name}:${bound}`, port: bound };
    },
    async close() {
      await runs.close();
      fanouts.close();
      await app.close();
      await team?.close();
      await store.close();
    },
  };
}

function clientCode(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    default:
      return 'bad_request';
  }
}

function clientMessage(err: FastifyError): string {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return `the request body is over ${BODY_LIMIT_BYTES / 1024} KiB`;
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'send JSON (Content-Type: application/json)';
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'the JSON body is empty';
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'the body is not valid JSON';
  return err.message.split('\n')[0]!.slice(0, 200);
}
