import { parseArgs, type ParseArgsConfig } from 'node:util';

// What a CLI command may touch. Commands take this rather than `process` so tests can run them
// in-process and read what they printed.
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly isTty: boolean;
  /** Aborted on SIGINT / SIGTERM. */
  readonly signal: AbortSignal;
}

export interface CliCommand {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Returns the exit code. A thrown UsageError exits 2; any other error prints one line and exits 1. */
  run(io: CliIo): Promise<number>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments strictly; a bad flag becomes a UsageError (exit 2 with the usage). */
export function parseCommandLine<const O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
