// CodeCompanion: Show Diagnostics: the startup report (src/app/doctor.ts) as the editor sees its
// configuration (settings, SecretStorage, the environment), shown as a document with a Copy
// button for bug reports; and its short form in the log once activation has returned.
import * as vscode from 'vscode';
import { diagnose, renderReport, shortReport, type DiagnosticsReport } from '../../app/doctor';
import { providerConfigFrom, type EditorSettings } from '../../app/editorSettings';
import { ENV_KEYS, SDK_PROVIDERS, type SdkProvider } from '../../providers/config';
import { describeTelemetry, telemetryConfig } from '../../telemetry/telemetryConfig';
import type { ApiKeys } from '../secrets';
import { currentSettings } from '../settings';

export async function editorDiagnostics(keys: ApiKeys, root: string, settings: EditorSettings, deep: boolean): Promise<DiagnosticsReport> {
  const stored = await keys.all();
  const keySources: Partial<Record<SdkProvider, string>> = {};
  for (const p of SDK_PROVIDERS) {
    if (stored[p]) keySources[p] = 'SecretStorage';
    else if (process.env[ENV_KEYS[p].key]) keySources[p] = ENV_KEYS[p].key;
    else if (p === 'gemini' && process.env.GOOGLE_API_KEY) keySources[p] = 'GOOGLE_API_KEY';
  }
  const trusted = vscode.workspace.isTrusted;
  const check = settings.checkCommand.trim();
  let telemetry: { on: boolean; line: string; error?: boolean };
  try {
    const t = telemetryConfig(process.env, settings.telemetry);
    telemetry = { on: t !== undefined, line: describeTelemetry(t) };
  } catch (err) {
    telemetry = { on: false, error: true, line: `${(err as Error).message}; nothing is exported` };
  }
  return diagnose({
    root,
    host: { name: 'vscode', version: vscode.version },
    config: providerConfigFrom(settings, stored, process.env, ENV_KEYS),
    keySources,
    checkCommand: !trusted
      ? { command: null, why: 'the workspace is not trusted: no check command runs' }
      : check
        ? { command: check, why: 'from codecompanion.checkCommand' }
        : { command: null, why: 'codecompanion.checkCommand is empty: patches are validated by applying them only' },
    rateLimits: settings.rateLimits,
    telemetry,
    deep,
  });
}

export async function showDiagnosticsCommand(deps: { keys: ApiKeys; root: string }, arg: unknown): Promise<DiagnosticsReport> {
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'CodeCompanion: diagnostics' }, () => editorDiagnostics(deps.keys, deps.root, currentSettings(), true));
  const text = renderReport(report);
  // a test (or another extension) asks for the report itself, without documents or notifications
  if (typeof arg === 'object' && arg !== null && (arg as { silent?: unknown }).silent === true) return report;
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' }), { preview: true });
  const problems = report.findings.filter((f) => f.status === 'error').length;
  const choice = await vscode.window.showInformationMessage(`CodeCompanion: ${problems ? `${problems} problem(s) found` : 'no problems found'}.`, 'Copy');
  if (choice === 'Copy') await vscode.env.clipboard.writeText(text);
  return report;
}

/** After activation has returned: the short form in the log, never delaying activation. */
export function logStartupReport(deps: { keys: ApiKeys; root: string; log: vscode.LogOutputChannel }): void {
  setTimeout(() => {
    editorDiagnostics(deps.keys, deps.root, currentSettings(), false).then(
      (report) => deps.log.info(shortReport(report)),
      (err) => deps.log.warn(`diagnostics: ${(err as Error).message}`),
    );
  }, 0);
}
