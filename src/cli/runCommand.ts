// Runs one command and turns what it throws into an exit code and one line. Each CLI bundle
// (dist/cli.js, dist/cliCommands.js) has its own copy of the error classes, so each runs its own
// commands through its own copy of this: `instanceof` then sees the class the command threw.
import type { CliCommand, CliIo } from './io';
import { UsageError } from './io';
import { ConfigError } from '../providers/configError';
import { describeFsError } from '../core/fsErrors';
import { InputFileError } from '../core/inputFile';
import { redactUrlsIn } from '../core/urlRedaction';

/** The commands of one bundle, and how that bundle runs them. */
export interface CommandSet {
  readonly commands: readonly CliCommand[];
  run(command: CliCommand, io: CliIo): Promise<number>;
}

export async function runCommand(command: CliCommand, io: CliIo): Promise<number> {
  try {
    return await command.run(io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`codecompanion ${command.name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof InputFileError) {
      io.stderr.write(`codecompanion ${command.name}: ${redactUrlsIn(err.message)}\n`);
      return 2;
    }
    io.stderr.write(`codecompanion ${command.name}: ${oneLine(err)}\n`);
    if (io.env.CODECOMPANION_DEBUG && err instanceof Error && err.stack) io.stderr.write(err.stack + '\n');
    return 1;
  }
}

/** An error as one line: errno errors in words (naming the file and what to do), URLs without credentials. */
export function oneLine(err: unknown): string {
  const message = describeFsError(err) ?? (err instanceof Error ? err.message : String(err));
  return redactUrlsIn(message.split('\n')[0] ?? '');
}
