// What the user gave a run besides its objective: files or selections attached in the editor, and,
// for a follow-up turn, the earlier run it continues. Recorded in run.started (so a run shows, and a
// resumed or replayed run rebuilds, exactly what it was given) and added to the planner's and the
// coders' context. Attachments are workspace text: bounded here, never written to settings or logs.
import { z } from 'zod';

/** At most this many attachments a run; more is refused, not silently dropped. */
export const MAX_ATTACHMENTS = 8;
/** One attachment's text is cut here (the prompt's own cap on a file). */
export const MAX_ATTACHMENT_CHARS = 24_000;
/** All attachments together: a run's prompts stay within what every model takes. */
export const MAX_ATTACHED_CHARS = 60_000;
const MAX_OUTCOME_CHARS = 2_000;

export const AttachmentSchema = z.object({
  /** Workspace-relative, forward slashes. */
  path: z.string().min(1),
  /** A selection's lines, 1-based and inclusive; absent for a whole file. */
  lines: z.object({ start: z.number().int().positive(), end: z.number().int().positive() }).optional(),
  text: z.string(),
  /** The text was cut at MAX_ATTACHMENT_CHARS (or at what was left of MAX_ATTACHED_CHARS). */
  truncated: z.boolean(),
});

export const FollowUpSchema = z.object({
  runId: z.string().min(1),
  objective: z.string(),
  /** What came of the earlier run, in a few lines (what was applied or is waiting for review). */
  outcome: z.string().max(MAX_OUTCOME_CHARS),
});

export const RunGivenSchema = z.object({
  attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS),
  followUp: FollowUpSchema.optional(),
});

export type Attachment = z.infer<typeof AttachmentSchema>;
export type FollowUp = z.infer<typeof FollowUpSchema>;
export type RunGiven = z.infer<typeof RunGivenSchema>;

export interface AttachmentCandidate {
  readonly path: string;
  readonly lines?: { readonly start: number; readonly end: number };
  readonly text: string;
}

export interface Limited {
  readonly attachments: Attachment[];
  /** Attachments left out, each with why, in one line the user reads. */
  readonly refused: { readonly path: string; readonly reason: string }[];
}

/**
 * Applies the limits in the order given: each text cut at MAX_ATTACHMENT_CHARS and at what the total
 * leaves; an attachment past MAX_ATTACHMENTS, a duplicate, or one nothing is left for is refused.
 */
export function limitAttachments(candidates: readonly AttachmentCandidate[]): Limited {
  const attachments: Attachment[] = [];
  const refused: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  let left = MAX_ATTACHED_CHARS;
  for (const c of candidates) {
    const key = `${c.path}:${c.lines ? `${c.lines.start}-${c.lines.end}` : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (attachments.length >= MAX_ATTACHMENTS) {
      refused.push({ path: c.path, reason: `at most ${MAX_ATTACHMENTS} attachments a run` });
      continue;
    }
    if (left <= 0) {
      refused.push({ path: c.path, reason: `the attachments already fill the ${MAX_ATTACHED_CHARS.toLocaleString('en-US')} characters a run takes` });
      continue;
    }
    const cap = Math.min(MAX_ATTACHMENT_CHARS, left);
    const text = c.text.length > cap ? c.text.slice(0, cap) : c.text;
    left -= text.length;
    attachments.push({ path: c.path, ...(c.lines ? { lines: { start: c.lines.start, end: c.lines.end } } : {}), text, truncated: text.length < c.text.length });
  }
  return { attachments, refused };
}

/** "src/a.ts" or "src/a.ts:3-9": how an attachment is named to the user and in prompts. */
export function attachmentLabel(a: Pick<Attachment, 'path' | 'lines'>): string {
  return a.lines ? `${a.path}:${a.lines.start}-${a.lines.end}` : a.path;
}

/**
 * The prompt text for what the run was given, or '' for nothing. No run ids, times or absolute paths:
 * a replayed run builds the same prompt from the same events.
 */
export function renderGiven(given: RunGiven | undefined): string {
  if (!given) return '';
  const parts: string[] = [];
  if (given.followUp) {
    parts.push(`This objective follows up an earlier run in this workspace.\nEarlier objective: ${given.followUp.objective}\nWhat came of it: ${given.followUp.outcome}`);
  }
  if (given.attachments.length) {
    parts.push(
      `The user attached ${given.attachments.length === 1 ? 'this' : 'these'} for the objective:\n` +
        given.attachments.map((a) => `--- ${attachmentLabel(a)}${a.lines ? ' (selected lines)' : ''}${a.truncated ? ' (cut short)' : ''}\n${a.text}`).join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** A line for the event log: what was attached and how much, never the text. */
export function describeGiven(given: RunGiven | undefined): string {
  if (!given) return '';
  const files = given.attachments.map((a) => `${attachmentLabel(a)} (${a.text.length.toLocaleString('en-US')} chars${a.truncated ? ', cut short' : ''})`);
  return [files.length ? `attached ${files.join(', ')}` : '', given.followUp ? `follows up ${given.followUp.runId}` : ''].filter(Boolean).join('; ');
}

/** The few lines a follow-up carries about the run it continues. */
export function clampOutcome(text: string): string {
  return text.length > MAX_OUTCOME_CHARS ? `${text.slice(0, MAX_OUTCOME_CHARS - 1)}…` : text;
}
