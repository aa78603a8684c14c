// codecompanion serve: the workspace's HTTP API (src/server). Loopback only unless --allow-remote;
// the bearer token lives in .codecompanion/api-token (0600) and is never printed.
import { codecompanionVersion } from '../../app/version';
import { loadOrCreateToken } from '../../server/apiToken';
import { isLoopback } from '../../server/requestGuards';
import { REDIS_URL_ENV, TeamBusError } from '../../team/redisConnection';
import { parseCommandLine, UsageError, type CliCommand, resolveWorkspace } from '../io';
import * as path from 'node:path';

const OPTIONS = {
  cwd: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  'allowed-host': { type: 'string', multiple: true },
  'allowed-origin': { type: 'string', multiple: true },
  'allow-check': { type: 'boolean' },
  check: { type: 'string' },
  'rotate-token': { type: 'boolean' },
  replay: { type: 'string' },
  redis: { type: 'string' },
} as const;

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: 'serve [--port 5050] [--host 127.0.0.1] [--cwd DIR] [--rotate-token] [--allow-check] [--check CMD] [--allowed-origin URL] [--allowed-host NAME] [--allow-remote] [--redis URL]',
  summary: "serve the workspace's HTTP API (runs, live events, review) with token auth; /openapi.json documents it",
  async run(io) {
    const { values, positionals } = parseCommandLine(io.argv, OPTIONS);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const root = resolveWorkspace(io.cwd, values.cwd);
    const port = values.port === undefined ? 5050 : Number(values.port);
    if (!/^\d{1,5}$/.test(values.port ?? '5050') || !Number.isInteger(port) || port > 65_535) throw new UsageError('--port takes a port number from 0 to 65535');
    const host = values.host ?? '127.0.0.1';
    if (!isLoopback(host) && !values['allow-remote']) throw new UsageError(`--host ${host} is reachable from other machines: add --allow-remote if that is what you want (anyone who can reach it and has the token can run models on your keys)`);
    for (const o of values['allowed-origin'] ?? []) if (!/^https?:\/\/[^/\s]+$/.test(o)) throw new UsageError(`--allowed-origin ${o}: give an origin like http://localhost:3000 (scheme, host, port; no path)`);
    const token = loadOrCreateToken(root, { rotate: values['rotate-token'] === true });
    // loaded on use: the other commands never pay for Fastify
    const { createApiServer } = await import('../../server/apiServer');
    const server = await createApiServer({
      root,
      env: io.env,
      token: token.token,
      version: codecompanionVersion(),
      origins: new Set(values['allowed-origin'] ?? []),
      allowCheck: values['allow-check'] === true,
      checkCommand: values.check ?? null,
      ...(values.replay ? { replay: path.resolve(io.cwd, values.replay) } : {}),
      ...((values.redis ?? io.env[REDIS_URL_ENV]) ? { redisUrl: values.redis ?? io.env[REDIS_URL_ENV] } : {}),
      log: (line) => io.stderr.write(`${line}\n`),
    }).catch((err: unknown) => {
      if (err instanceof TeamBusError) throw new UsageError(err.message);
      throw new Error(`could not start: ${(err as Error).message}`);
    });
    let url: string;
    try {
      ({ url } = await server.listen(port, host, values['allowed-host'] ?? []));
    } catch (err) {
      await server.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is in use: pick another with --port`);
      if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${host}:${port} (${code}): pick another --host or a --port above 1023`);
      throw err;
    }
    if (!isLoopback(host)) io.stderr.write(`WARNING: serving on ${host}, reachable from other machines. Anyone with the token can run models on your keys and change this workspace.\n`);
    io.stderr.write(`codecompanion serve: ${url} for ${root}\n  token: ${token.fresh ? 'created in' : 'in'} ${token.file} (send Authorization: Bearer <token>)\n  API: ${url}/openapi.json\n`);
    io.stdout.write(`${JSON.stringify({ url, tokenFile: token.file })}\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    io.stderr.write('codecompanion serve: stopping (a run going now is cancelled and can be resumed)\n');
    await server.close();
    return 0;
  },
};
