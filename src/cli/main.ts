// The headless entry: `codecompanion <command> [args]`. Each command lives in commands/<name>.ts.
import type { CliCommand, CliHostIo, CliIo } from './io';
import { Redactor } from '../core/security/redaction';
import { CLEAR_LINE, SafeOutput } from './output';
import { oneLine, runCommand, type CommandSet } from './runCommand';
import { dbCommand } from './commands/db';
import { reviewCommand } from './commands/review';
import { eventsCommand, replayCommand, runsCommand } from './commands/runs';

/** Commands that start without the model SDKs and servers; the rest come from ./heavyCommands when asked for. */
const LIGHT_COMMANDS: CommandSet = { commands: [runsCommand, eventsCommand, replayCommand, reviewCommand, dbCommand], run: runCommand };

async function heavyCommands(): Promise<CommandSet> {
  // esbuild.config.mjs turns this into a run-time require of dist/cliCommands.js
  return (await import('./heavyCommands')).HEAVY_COMMANDS;
}

export async function main(host: CliHostIo): Promise<number> {
  const redactor = Redactor.fromEnv(host.env);
  const io: CliIo = { ...host, stdout: new SafeOutput(host.stdout, redactor), stderr: new SafeOutput(host.stderr, redactor), clearLine: () => host.isTty && host.stderr.write(CLEAR_LINE) };
  const [name, ...rest] = io.argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(helpText([...(await heavyCommands()).commands, ...LIGHT_COMMANDS.commands]));
    return name ? 0 : 2;
  }
  const light = LIGHT_COMMANDS.commands.find((c) => c.name === name);
  const set = light ? LIGHT_COMMANDS : await heavyCommands();
  const command = light ?? set.commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`codecompanion: unknown command '${name}'. Run 'codecompanion --help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: codecompanion ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  return set.run(command, { ...io, argv: rest });
}

/** In the order a newcomer needs them: running first, then reading and deciding, then tools. */
const HELP_ORDER = ['run', 'resume', 'revise', 'runs', 'events', 'replay', 'review', 'patch', 'ask', 'providers', 'db', 'index', 'search', 'doctor', 'stats', 'serve', 'follow', 'worker'];

function helpText(commands: readonly CliCommand[]): string {
  const rank = (c: CliCommand) => (HELP_ORDER.includes(c.name) ? HELP_ORDER.indexOf(c.name) : HELP_ORDER.length);
  const sorted = [...commands].sort((a, b) => rank(a) - rank(b));
  const width = Math.max(0, ...sorted.map((c) => c.usage.length));
  const lines = sorted.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `usage: codecompanion <command> [options]\n\n${lines.join('\n')}\n`;
}

if (require.main === module) {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort(new Error(`${sig}`)));
  main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    isTty: Boolean(process.stderr.isTTY),
    signal: controller.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`codecompanion: ${oneLine(err)}\n`);
      process.exitCode = 1;
    },
  );
}
