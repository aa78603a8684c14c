// The commands that bring model SDKs, the tokenizer, tree-sitter, redis or fastify with them. The build
// makes this file its own bundle (dist/cliCommands.js, esbuild.config.mjs) that main.ts requires only
// when one of these, or the whole list, is asked for: `review`, `runs` and `db` start without it.
import { runCommand, type CommandSet } from './runCommand';
import { askCommand } from './commands/ask';
import { doctorCommand } from './commands/doctor';
import { statsCommand } from './commands/stats';
import { indexCommand, searchCommand } from './commands/memory';
import { patchCommand } from './commands/patch';
import { providersCommand } from './commands/providers';
import { resumeCommand, reviseCommand, runCommand as runObjectiveCommand } from './commands/run';
import { serveCommand } from './commands/serve';
import { followCommand } from './commands/follow';
import { workerCommand } from './commands/worker';

/** Run by this bundle's own runCommand: the errors these commands throw are this bundle's classes. */
export const HEAVY_COMMANDS: CommandSet = {
  commands: [runObjectiveCommand, resumeCommand, reviseCommand, patchCommand, askCommand, providersCommand, indexCommand, searchCommand, doctorCommand, statsCommand, serveCommand, followCommand, workerCommand],
  run: runCommand,
};
