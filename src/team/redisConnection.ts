// The team bus's connection: redis:// or rediss:// (TLS) URLs with AUTH or an ACL user, checked before
// use; the first connection fails fast with a clear line (never the password), and once connected the
// client reconnects on its own with backoff, so a Redis restart is a pause, not an error.
import type { RedisClientType } from 'redis';

export type TeamClient = RedisClientType<Record<string, never>, Record<string, never>, Record<string, never>, 3>;

export const REDIS_URL_ENV = 'CODECOMPANION_REDIS_URL';

export class TeamBusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamBusError';
  }
}

/** The URL with its password (and user) replaced, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TeamBusError(`${redactRedisUrl(url)} is not a Redis URL: use redis://[user:password@]host:port or rediss:// for TLS`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new TeamBusError(`${redactRedisUrl(url)}: the scheme must be redis:// or rediss:// (TLS)`);
  if (!u.hostname) throw new TeamBusError(`${redactRedisUrl(url)}: the URL names no host`);
  return u;
}

export async function connectTeam(url: string, options: { connectTimeoutMs?: number } = {}): Promise<TeamClient> {
  parseRedisUrl(url);
  let connected = false;
  let lastError: Error | undefined;
  // required here, not imported: the Redis client is a bundle of its own, loaded when a team connects
  const { createClient } = require('redis') as typeof import('redis');
  const client: TeamClient = createClient({
    url,
    // a command while Redis is away fails at once (the publisher says "degraded" and catches up later)
    // instead of waiting in an unbounded offline queue
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // before the first connection: fail (the user typed something wrong); after: keep trying, gently
      reconnectStrategy: (retries, cause) => (connected ? Math.min(100 * 2 ** Math.min(retries, 4), 1_000) : (cause ?? new Error('connection failed'))),
    },
  });
  client.on('error', (err: Error) => (lastError = err)); // reported through status and commands, never thrown at the process
  client.on('ready', () => (connected = true));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    await client.destroy();
    throw new TeamBusError(describeConnectError(url, (err as Error) ?? lastError));
  }
  return client;
}

function describeConnectError(url: string, err: Error): string {
  const where = redactRedisUrl(url);
  const text = `${err.message ?? ''} ${(err as NodeJS.ErrnoException).code ?? ''}`;
  if (/WRONGPASS|invalid username-password|NOAUTH|AUTH/i.test(text)) return `Redis at ${where} refused the credentials: check the user and password in the URL (or the ACL user's rights)`;
  if (/ECONNREFUSED/.test(text)) return `nothing answers at ${where}: is redis-server running there?`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return `${where}: the host name does not resolve`;
  if (/timeout/i.test(text)) return `Redis at ${where} did not answer in time`;
  if (/SSL|TLS|certificate|EPROTO/i.test(text)) return `TLS to ${where} failed: ${err.message.split('\n')[0]}`;
  return `cannot use Redis at ${where}: ${err.message.split('\n')[0]}`;
}
