// What stands between a request and the API: the Host header (against DNS rebinding: a page on
// evil.example that resolves to 127.0.0.1 still sends Host: evil.example), the Origin (a browser page
// on any other site), and the bearer token, with a per-client limit on failed attempts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from './apiToken';
import { ApiError } from './apiErrors';

export interface GuardOptions {
  readonly token: string;
  /** Host header values accepted, lower-case, with the port ("127.0.0.1:5050"). */
  readonly hosts: ReadonlySet<string>;
  /** Origins a browser may call from; none by default. */
  readonly origins: ReadonlySet<string>;
  /** Failed authentications a client may make per window before it is told to wait. */
  readonly maxFailures: number;
  readonly failureWindowMs: number;
  readonly now?: () => number;
}

const PUBLIC_ROUTES = new Set(['/health']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function allowedHosts(bindHost: string, port: number, extra: readonly string[]): Set<string> {
  const names = isLoopback(bindHost) ? LOOPBACK_NAMES : [bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost];
  const out = new Set<string>();
  for (const n of [...names, ...extra]) {
    out.add(`${n.toLowerCase()}:${port}`);
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function createGuards(options: GuardOptions) {
  const now = options.now ?? Date.now;
  const failures = new Map<string, { count: number; since: number }>();

  function limited(client: string): number | undefined {
    const f = failures.get(client);
    if (!f) return undefined;
    const left = f.since + options.failureWindowMs - now();
    if (left <= 0) {
      failures.delete(client);
      return undefined;
    }
    return f.count >= options.maxFailures ? left : undefined;
  }

  function fail(client: string): void {
    const f = failures.get(client);
    if (!f || now() - f.since > options.failureWindowMs) failures.set(client, { count: 1, since: now() });
    else f.count++;
    if (failures.size > 10_000) failures.clear(); // a flood of addresses must not grow memory without bound
  }

  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const host = (request.headers.host ?? '').toLowerCase();
    if (!options.hosts.has(host)) throw new ApiError(421, 'bad_host', `requests must name this server in Host (one of ${[...options.hosts].join(', ')}); add others with serve --allowed-host`);
    const origin = request.headers.origin;
    if (origin !== undefined && !options.origins.has(origin)) throw new ApiError(403, 'bad_origin', 'cross-origin requests are refused; allow an origin with serve --allowed-origin');
    if (origin !== undefined) {
      void reply.header('access-control-allow-origin', origin);
      void reply.header('vary', 'Origin');
    }
    const route = request.routeOptions.url ?? request.url;
    if (PUBLIC_ROUTES.has(route) || (request.method === 'GET' && route === '/openapi.json')) return;
    const client = request.ip;
    const wait = limited(client);
    if (wait !== undefined) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError(429, 'too_many_failures', `too many failed authentications from ${client}: try again in ${Math.ceil(wait / 1000)} s`);
    }
    const presented = bearer(request.headers.authorization);
    if (presented === undefined || !tokenMatches(options.token, presented)) {
      fail(client);
      void reply.header('www-authenticate', 'Bearer realm="codecompanion"');
      throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <token>; the token is in .codecompanion/api-token of the served workspace');
    }
  };
}

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 7235). */
function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9_-]{1,128})$/i.exec(header);
  return m?.[1];
}
