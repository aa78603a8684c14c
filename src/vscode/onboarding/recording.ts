// A recorded session's own settings: samples/sample.json beside session.jsonl names the session and
// says how it was recorded (reviewers, check command, budget). A replay answers only the calls the
// recording saw, so it runs with those settings, not the editor's defaults. Plain Node: tested there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EditorSettings } from '../../app/editorSettings';

export interface Sample {
  readonly objective: string;
  readonly checkCommand: string;
  readonly budgetUsd: number;
  readonly session: string;
  readonly reviewers: number;
}

/** Checked by hand, not with zod: "Try the Sample" is in the entry bundle, which stays small. */
function parseSample(raw: unknown): Sample | undefined {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const ok =
    typeof o.objective === 'string' && o.objective.trim() !== '' && typeof o.checkCommand === 'string' && typeof o.budgetUsd === 'number' && o.budgetUsd >= 0 &&
    typeof o.session === 'string' && o.session !== '' && Number.isInteger(o.reviewers) && (o.reviewers as number) >= 1 && (o.reviewers as number) <= 5;
  return ok ? { objective: o.objective as string, checkCommand: o.checkCommand as string, budgetUsd: o.budgetUsd as number, session: o.session as string, reviewers: o.reviewers as number } : undefined;
}

/** The recording's description (sample.json) beside a session file, when there is one naming it. */
export function recordingBeside(sessionPath: string): Sample | undefined {
  const file = path.join(path.dirname(sessionPath), 'sample.json');
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const sample = parseSample(raw);
  return sample && sample.session === path.basename(sessionPath) ? sample : undefined;
}

/** The settings a recording was made with: a replay answers only the calls the recording saw. */
export function recordingSettings(sample: Sample, sessionPath: string): Partial<EditorSettings> {
  return { replaySession: sessionPath, reviewersPerPatch: sample.reviewers, checkCommand: sample.checkCommand, budgetUsd: sample.budgetUsd };
}

