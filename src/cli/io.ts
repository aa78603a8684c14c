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
