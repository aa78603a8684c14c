import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

// What a CLI command may touch. Commands take this rather than `process` so tests can run them
// in-process and read what they printed. The host gives raw streams (CliHostIo); main hands commands
// streams that redact secrets and strip control sequences (./output.ts), and clearLine for the one
// escape the CLI writes itself.
export interface CliHostIo {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly isTty: boolean;
  /** Aborted on SIGINT / SIGTERM. */
  readonly signal: AbortSignal;
}

export interface CliIo extends CliHostIo {
  /** Clears the live status line (a terminal only). */
  clearLine(): void;
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

/** The workspace folder a command works on: --cwd, or the current directory. */
export function resolveWorkspace(cwd: string, dir: string | undefined): string {
  const root = path.resolve(cwd, dir ?? '.');
  if (!fs.existsSync(root)) throw new UsageError(`--cwd ${dir ?? '.'}: no such folder`);
  if (!fs.statSync(root).isDirectory()) throw new UsageError(`--cwd ${dir ?? '.'}: a file, not a folder: give the workspace folder`);
  return root;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments strictly; a bad flag becomes a UsageError (exit 2 with the usage). */
export function parseCommandLine<const O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util's messages can span lines (an ambiguous '--budget --cwd'): one line, as every error here
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' ').trim());
  }
}

/** A whole number written in decimal digits only ("0x10", "1e3", " 2" and "" are refused), from min to max. */
export function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not '${clip(text)}'`);
  return n;
}

/** An amount in US dollars as plain decimals, an optional leading $ ("2", "2.50", "$0.75"); nothing else. */
export function usdAmount(text: string, flag: string): number {
  const n = /^\$?(\d{1,12}(\.\d{0,12})?|\.\d{1,12})$/.test(text) ? Number(text.replace(/^\$/, '')) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} takes an amount in US dollars, e.g. ${flag} 2.50, not '${clip(text)}'`);
  return n;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
