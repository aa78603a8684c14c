// The extension's entry, kept small so a command answers fast in a cold window: it registers every
// contributed command and the first prompts (Run Objective's objective, the no-model onboarding,
// Set API Key), and loads the host (engine, database, models, views: dist/host.js) only after the
// first prompt is on screen, or shortly after activation when no prompt is waiting.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Host } from './extension';
import { askObjective, changeRunSettings, rememberedRunSettings } from './commands/objectivePrompt';
import { setApiKeyCommand } from './commands/apiKeyCommand';
import { modelSetup, offerOnboarding, useVsCodeModels } from './onboarding/onboarding';
import { startSampleIfMarked, trySample } from './onboarding/sample';
import { ApiKeys } from './secrets';

const loadedAt = performance.now();
/** Idle time after activation before the host loads on its own (a prompt that opens first goes first). */
const HOST_LOAD_DELAY_MS = 300;

export interface Shell {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly keys: ApiKeys;
  host(): Promise<Host>;
  loaded(): Host | undefined;
  /**
   * Holds the host's own load (the one after activation) back while a command gets its first prompt
   * on screen: loading the host takes the extension host's only thread for a while, and a prompt
   * asked for meanwhile would wait behind it. Returns the release (the load is rescheduled).
   */
  holdHostLoad(): () => void;
}

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('CodeCompanion', { log: true });
  context.subscriptions.push(log);
  const keys = new ApiKeys(context.secrets);
  let host: Host | undefined;
  let loading: Promise<Host> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let holds = 0;
  const loadWhenIdle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (holds > 0 || host || loading) return;
      void shell.host().then((h) => startSampleIfMarked(shell, h)).catch((err: Error) => log.error(`could not load: ${err.message}`));
    }, HOST_LOAD_DELAY_MS);
  };
  const shell: Shell = {
    context,
    log,
    keys,
    loaded: () => host,
    host: () => {
      clearTimeout(timer);
      loading ??= new Promise<Host>((resolve, reject) =>
        setImmediate(() => {
          try {
            const t0 = performance.now();
            // a separate bundle, required at run time: esbuild leaves a computed path alone
            const mod = require(path.join(__dirname, 'host.js')) as typeof import('./extension');
            host = mod.startHost(context, log, keys);
            log.info(`host loaded in ${(performance.now() - t0).toFixed(0)} ms`);
            resolve(host);
          } catch (err) {
            loading = undefined;
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        }),
      );
      return loading;
    },
    holdHostLoad: () => {
      holds++;
      clearTimeout(timer);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds === 0 && !host && !loading) loadWhenIdle();
      };
    },
  };
  const light: Record<string, (...args: unknown[]) => unknown> = {
    'codecompanion.runObjective': (...args) => (args[0] === undefined ? runObjectiveInteractive(shell) : shell.host().then((h) => h.run('codecompanion.runObjective', args))),
    'codecompanion.setApiKey': (arg) => setApiKeyCommand({ keys, log }, arg),
    'codecompanion.useVsCodeModels': () => useVsCodeModels(shell),
    'codecompanion.trySample': () => trySample(shell),
    'codecompanion.changeRunSettings': () => changeRunSettings(context.workspaceState),
    'codecompanion.cancelRun': () => {
      if (!host?.cancel()) void vscode.window.showInformationMessage('CodeCompanion: no run is going.');
    },
    'codecompanion.internal.activationTime': () => ({ activationMs, moduleLoadMs: started - loadedAt, firstPromptMs: shellTimes.firstPromptMs }),
  };
  const contributed = ((context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
  for (const id of new Set([...contributed, ...Object.keys(light)])) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          const fn = light[id];
          return fn ? await fn(...args) : await (await shell.host()).run(id, args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          log.error(`${id}: ${message}`);
          // a caller with arguments (a test, another extension) gets the error; a person gets a message
          if (args.length > 0 && !isFromUi(args)) throw err;
          void vscode.window.showErrorMessage(`CodeCompanion: ${message}`);
          return undefined;
        }
      }),
    );
  }
  loadWhenIdle();
  context.subscriptions.push({ dispose: () => clearTimeout(timer) });
  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms (entry bundle loaded ${(started - loadedAt).toFixed(1)} ms before activate)`);
}

const shellTimes: { firstPromptMs: number | undefined } = { firstPromptMs: undefined };

/**
 * Run Objective from the palette, a keybinding or a button: the checks that need no engine come
 * first (a run going, no model set up), each with its way out; then the objective, the one prompt.
 */
async function runObjectiveInteractive(shell: Shell): Promise<unknown> {
  const t0 = performance.now();
  const release = shell.holdHostLoad();
  try {
    return await askThenRun(shell, t0, release);
  } finally {
    release();
  }
}

async function askThenRun(shell: Shell, t0: number, release: () => void): Promise<unknown> {
  const running = shell.loaded()?.runningObjective();
  if (running !== undefined) {
    const asked = vscode.window.showWarningMessage(`CodeCompanion: a run is going ("${running.slice(0, 60)}"). One run at a time: cancel it or wait for it.`, 'Show Run', 'Cancel Run');
    release();
    const choice = await asked;
    if (choice) await vscode.commands.executeCommand(choice === 'Show Run' ? 'codecompanion.showRun' : 'codecompanion.cancelRun');
    return undefined;
  }
  const setup = await modelSetup(shell.keys);
  if (!setup.ready) return offerOnboarding(shell);
  if (!vscode.workspace.workspaceFolders?.length) {
    const asked = vscode.window.showWarningMessage('CodeCompanion works on the files of a folder: open one first, or try the sample.', 'Open Folder', 'Try the Sample');
    release();
    const choice = await asked;
    if (choice) await vscode.commands.executeCommand(choice === 'Open Folder' ? 'workbench.action.files.openFolder' : 'codecompanion.trySample');
    return undefined;
  }
  const objective = await askObjective(shell.context.workspaceState, rememberedRunSettings(shell.context.workspaceState), () => {
    const ms = performance.now() - t0;
    shellTimes.firstPromptMs ??= ms;
    shell.log.info(`Run Objective: prompt shown ${ms.toFixed(0)} ms after the command`);
    // the engine loads while the user types
    release();
    setTimeout(() => void shell.host().catch(() => undefined), 100);
  });
  if (!objective) return undefined;
  return (await shell.host()).runInteractive(objective);
}

/** CodeLens, menus and notifications pass `askReason` or `interactive: true`; the palette passes nothing. */
function isFromUi(args: readonly unknown[]): boolean {
  const first = args[0];
  return typeof first === 'object' && first !== null && ('askReason' in first || (first as { interactive?: unknown }).interactive === true);
}

export function deactivate(): void {}
