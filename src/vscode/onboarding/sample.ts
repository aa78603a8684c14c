// "Try the Sample": the recorded session shipped in the .vsix (dist/sample), replayed through the
// real pipeline on a fresh copy of the sample workspace, opened as this window's folder. The copy
// carries a marker; the window that opens it starts the sample objective with the recording's
// settings (reviewers, check command, budget) and the shipped session, never a path from the marker.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Host } from '../extension';
import type { Shell } from '../main';
import { recordingBeside, recordingSettings, type Sample } from './recording';



export const SAMPLE_MARKER = '.codecompanion/sample-pending.json';

function shippedSample(extensionPath: string): { dir: string; sample: Sample } {
  const dir = path.join(extensionPath, 'dist', 'sample');
  const sample = recordingBeside(path.join(dir, 'session.jsonl'));
  if (!sample) throw new Error(`the sample is missing from this installation (${dir})`);
  return { dir, sample };
}

export async function trySample(shell: Shell): Promise<void> {
  const { dir, sample } = shippedSample(shell.context.extensionPath);
  const target = path.join(shell.context.globalStorageUri.fsPath, 'samples', `sample-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(path.join(dir, 'workspace'), target, { recursive: true });
  fs.mkdirSync(path.join(target, '.codecompanion'), { recursive: true });
  fs.writeFileSync(path.join(target, SAMPLE_MARKER), JSON.stringify({ objective: sample.objective }));
  shell.log.info(`sample workspace: ${target}`);
  // a window with a folder keeps it: the sample opens beside it
  const forceNewWindow = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(target), { forceNewWindow });
}

/** In the window the sample opened: run its objective once, through the real pipeline, replayed. */
export async function startSampleIfMarked(shell: Shell, host: Host): Promise<void> {
  if (!host.root) return;
  const marker = path.join(host.root, SAMPLE_MARKER);
  if (!fs.existsSync(marker)) return;
  fs.rmSync(marker, { force: true });
  const { dir, sample } = shippedSample(shell.context.extensionPath);
  shell.log.info(`sample: "${sample.objective}" replayed from the recorded session, ${sample.reviewers} reviewers, check \`${sample.checkCommand}\``);
  await vscode.commands.executeCommand(`codecompanion.dashboard.focus`);
  await host.runInteractive(sample.objective, recordingSettings(sample, path.join(dir, 'session.jsonl')));
}
