// What each role is told. Prompts hold only workspace-relative paths and file text, never run ids,
// times or absolute paths: the same objective on the same files gives the same request, which is
// what lets a recorded session answer a replayed run.
import type { PlanTask, ReviewReport, SpecDoc, TestReport } from '../artifacts/schemas';
import type { CodePatch } from '../patch/codePatch';
import type { ChatMessage, TextBlock } from '../ports/model';

export interface Prompt {
  readonly system: readonly TextBlock[];
  readonly messages: readonly ChatMessage[];
}

const MAX_FILE_CHARS = 24_000;

const SHARED = `You are part of CodeCompanion, a team of AI engineers working on the user's codebase.
Answer with a single JSON value that matches the schema you are given: no prose, no markdown fences.`;

export function plannerPrompt(input: { objective: string; files: readonly string[]; excerpts: readonly FileExcerpt[]; context?: string }): Prompt {
  return {
    system: [
      { text: SHARED },
      {
        text: `Role: planner. Turn the objective into a SpecDoc: a short summary of the approach and a task graph.
Each task is one coherent change a single engineer can make and another can review: give its files,
and list in dependsOn the tasks whose result it needs. Tasks on disjoint files run in parallel, so split
work by file where that is natural. Use kind 'test' for tasks that only add or change tests.
Rate each task: complexity 'low' (mechanical, one place), 'medium' or 'high' (subtle logic, many callers,
easy to get wrong), with a one-line complexityReason; and its type: 'code', 'test', 'docs' or 'refactor'.`,
        cache: true,
      },
    ],
    messages: [{ role: 'user', content: `Objective: ${input.objective}\n\nWorkspace files:\n${input.files.join('\n')}\n\n${renderExcerpts(input.excerpts)}${renderContext(input.context)}` }],
  };
}

export interface FileExcerpt {
  readonly path: string;
  /** undefined: the file does not exist yet. */
  readonly text: string | undefined;
}

export interface CoderFeedback {
  readonly previous: CodePatch;
  readonly reasons: readonly string[];
  /** 'user': rejected in the editor's review, where the parts the user accepted are already applied. */
  readonly from?: 'review' | 'user';
}

export function coderPrompt(input: { spec: SpecDoc; task: PlanTask; files: readonly FileExcerpt[]; feedback?: CoderFeedback; context?: string }): Prompt {
  const f = input.feedback;
  const feedback = !f
    ? ''
    : f.from === 'user'
      ? `\n\nThe user reviewed your previous patch for this task and rejected part of it.\nPrevious patch:\n${JSON.stringify(f.previous, null, 2)}\n\nThe user's reasons:\n${f.reasons.map((r) => `- ${r}`).join('\n')}\n\nThe files above are as they are now: the parts of your patch the user accepted are already in them, the rejected parts are not. Write a patch against the files as shown that addresses the user's reasons; do not repeat changes that are already there.`
      : `\n\nYour previous patch for this task was rejected.\nPrevious patch:\n${JSON.stringify(f.previous, null, 2)}\n\nReasons:\n${f.reasons.map((r) => `- ${r}`).join('\n')}\n\nWrite a corrected patch against the files as shown above (your previous patch was not applied).`;
  return {
    system: [
      { text: SHARED },
      {
        text: `Role: ${input.task.kind === 'test' ? 'tester' : 'coder'}. Write a CodePatch for your task.
Prefer 'searchReplace' edits whose search text is copied exactly from the file, with enough lines to be
unique; use 'create' for new files. Touch only what the task needs; keep the code's style.`,
        cache: true,
      },
    ],
    messages: [
      {
        role: 'user',
        content: `Objective: ${input.spec.objective}\nPlan: ${input.spec.summary}\n\nYour task (${input.task.id}): ${input.task.title}\n${input.task.description}\n\n${renderExcerpts(input.files)}${renderContext(input.context)}${feedback}`,
      },
    ],
  };
}

export function reviewerPrompt(input: { spec: SpecDoc; task: PlanTask; patch: CodePatch; files: readonly FileExcerpt[]; validation: readonly string[] }): Prompt {
  const checks = input.validation.length ? input.validation.map((v) => `- ${v}`).join('\n') : '- the patch applies cleanly';
  return {
    system: [
      { text: SHARED },
      {
        text: `Role: reviewer. Review another engineer's CodePatch for correctness, completeness against its task,
and fit with the codebase. Reject only for real problems (bugs, missing requirements, broken callers,
missing tests the task asked for), each listed as an issue the author can act on. Score 0 to 1.`,
        cache: true,
      },
    ],
    messages: [
      {
        role: 'user',
        content: `Objective: ${input.spec.objective}\n\nTask (${input.task.id}): ${input.task.title}\n${input.task.description}\n\nFiles before the patch:\n${renderExcerpts(input.files)}\nPatch:\n${JSON.stringify(input.patch, null, 2)}\n\nAutomatic checks:\n${checks}`,
      },
    ],
  };
}

export interface ReviewSeen {
  readonly provider: string;
  readonly model: string;
  readonly report: ReviewReport;
}

/** The validator checks the task's requirements one by one against the patch, the reviews and the check output. */
export function validatorPrompt(input: { spec: SpecDoc; task: PlanTask; patch: CodePatch; files: readonly FileExcerpt[]; reviews: readonly ReviewSeen[]; test: TestReport | undefined }): Prompt {
  const reviews = input.reviews
    .map((r, i) => `Reviewer ${i + 1}: ${r.report.verdict} (score ${r.report.score})\n${r.report.summary}\n${r.report.issues.map((x) => `- ${x.severity}${x.file ? ` (${x.file})` : ''}: ${x.message}`).join('\n')}`)
    .join('\n\n');
  const test = input.test
    ? `The check command \`${input.test.command}\` ${input.test.passed ? 'passed' : input.test.timedOut ? 'timed out' : `failed with exit code ${input.test.exitCode}`}. Its output (tail):
${input.test.output.slice(-3000)}`
    : 'No check command ran.';
  return {
    system: [
      { text: SHARED },
      {
        text: `Role: validator. Reviewers have looked at another engineer's CodePatch and you settle it. List the
task's requirements one by one; for each, say whether the patch meets it and give the evidence (the lines of
the patch, the check output, or a reviewer's point you confirmed or refuted yourself). Approve only if every
requirement is met and nothing else is broken. Reviewers can be wrong: check their claims against the patch.`,
        cache: true,
      },
    ],
    messages: [
      {
        role: 'user',
        content: `Objective: ${input.spec.objective}\n\nTask (${input.task.id}): ${input.task.title}\n${input.task.description}\n\nFiles before the patch:\n${renderExcerpts(input.files)}\nPatch:\n${JSON.stringify(input.patch, null, 2)}\n\nReviews:\n${reviews || '(none)'}\n\nCheck:\n${test}`,
      },
    ],
  };
}

/** The one repair round: the model sees its own output and the validation error. */
export function repairMessages(prompt: Prompt, invalidText: string, error: string): readonly ChatMessage[] {
  return [
    ...prompt.messages,
    { role: 'assistant', content: invalidText || '(empty)' },
    { role: 'user', content: `That output is not valid: ${error}\nReply again with only the corrected JSON value matching the schema.` },
  ];
}

export function reviewReasons(report: ReviewReport): string[] {
  const issues = report.issues.filter((i) => i.severity !== 'nit').map((i) => `${i.severity}${i.file ? ` (${i.file})` : ''}: ${i.message}`);
  return issues.length ? issues : [report.summary];
}

function renderExcerpts(files: readonly FileExcerpt[]): string {
  return files
    .map((f) => {
      if (f.text === undefined) return `--- ${f.path} (does not exist yet)\n`;
      const body = f.text.length > MAX_FILE_CHARS ? `${f.text.slice(0, MAX_FILE_CHARS)}\n… (truncated)` : f.text;
      return `--- ${f.path}\n${body}${body.endsWith('\n') ? '' : '\n'}`;
    })
    .join('\n');
}

function renderContext(context: string | undefined): string {
  return context ? `\nRelated code from the workspace:\n${context}\n` : '';
}
