// The artifacts agents exchange. Every one is a zod schema: model output is parsed against it, the
// JSON Schema sent as structured output is generated from it, and schemas/*.schema.json export it.
import { z } from 'zod';
import { CodePatchSchema } from '../patch/codePatch';

export const TaskKindSchema = z.enum(['code', 'test']);
/** How hard a task is, as the planner rates it: the router learns per (role, complexity). */
export const ComplexitySchema = z.enum(['low', 'medium', 'high']);
export const TaskTypeSchema = z.enum(['code', 'test', 'docs', 'refactor']);

export const PlanTaskSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/).describe('Short kebab-case id, unique in the plan'),
  title: z.string().min(1),
  description: z.string().min(1).describe('What to change and why, precise enough for another engineer'),
  kind: TaskKindSchema.describe("'code' for source changes, 'test' for test changes"),
  files: z.array(z.string().min(1)).describe('Workspace-relative paths the task reads or edits'),
  dependsOn: z.array(z.string()).describe('Ids of tasks that must finish first'),
  // optional: SpecDocs written before the planner rated tasks still parse
  complexity: ComplexitySchema.optional().describe("'low' (mechanical, one place), 'medium', or 'high' (subtle logic, many callers, easy to get wrong)"),
  complexityReason: z.string().max(200).optional().describe('One line: why this complexity'),
  type: TaskTypeSchema.optional().describe("'code', 'test', 'docs' (documentation only) or 'refactor' (no behaviour change)"),
});

export const SpecDocSchema = z
  .object({
    objective: z.string().min(1),
    summary: z.string().min(1).describe('The approach in two or three sentences'),
    tasks: z.array(PlanTaskSchema).min(1).max(20),
  })
  .superRefine((spec, ctx) => {
    const ids = new Set<string>();
    for (const t of spec.tasks) {
      if (ids.has(t.id)) ctx.addIssue({ code: 'custom', message: `task id '${t.id}' is used twice` });
      ids.add(t.id);
    }
    for (const t of spec.tasks)
      for (const d of t.dependsOn) if (!ids.has(d) || d === t.id) ctx.addIssue({ code: 'custom', message: `task '${t.id}' depends on unknown task '${d}'` });
    if (hasCycle(spec.tasks)) ctx.addIssue({ code: 'custom', message: 'task dependencies form a cycle' });
  });

export const ReviewIssueSchema = z.object({
  severity: z.enum(['blocker', 'major', 'minor', 'nit']),
  file: z.string().optional(),
  message: z.string().min(1),
});

export const ReviewReportSchema = z.object({
  verdict: z.enum(['approve', 'reject']),
  score: z.number().min(0).max(1).describe('Quality of the patch, 0 (unusable) to 1 (excellent)'),
  summary: z.string().min(1),
  issues: z.array(ReviewIssueSchema),
});

export const TestReportSchema = z.object({
  command: z.string(),
  passed: z.boolean(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** The tail of stdout+stderr: enough to tell the author what failed. */
  output: z.string(),
});

/** The validator's answer: each requirement of the task checked against the patch, with evidence. */
export const ValidationReportSchema = z.object({
  requirements: z
    .array(
      z.object({
        requirement: z.string().min(1).describe('One requirement of the task, in your words'),
        met: z.boolean(),
        evidence: z.string().min(1).describe('Where in the patch, the check output or the reviews it is (or is not) met'),
      }),
    )
    .min(1),
  verdict: z.enum(['approve', 'reject']).describe("'approve' only if every requirement is met and nothing is broken"),
  summary: z.string().min(1),
});

export type TaskKind = z.infer<typeof TaskKindSchema>;
export type Complexity = z.infer<typeof ComplexitySchema>;
export type TaskType = z.infer<typeof TaskTypeSchema>;
export type ValidationReport = z.infer<typeof ValidationReportSchema>;
export type PlanTask = z.infer<typeof PlanTaskSchema>;
export type SpecDoc = z.infer<typeof SpecDocSchema>;
export type ReviewIssue = z.infer<typeof ReviewIssueSchema>;
export type ReviewReport = z.infer<typeof ReviewReportSchema>;
export type TestReport = z.infer<typeof TestReportSchema>;

export const ARTIFACT_SCHEMAS = {
  SpecDoc: SpecDocSchema,
  CodePatch: CodePatchSchema,
  ReviewReport: ReviewReportSchema,
  TestReport: TestReportSchema,
  ValidationReport: ValidationReportSchema,
} as const;

export type ArtifactKind = keyof typeof ARTIFACT_SCHEMAS;

/** JSON Schema for structured output; draft-7 is the dialect every vendor accepts. */
export function artifactJsonSchema(kind: ArtifactKind): Record<string, unknown> {
  let schema = jsonSchemas.get(kind);
  if (!schema) jsonSchemas.set(kind, (schema = z.toJSONSchema(ARTIFACT_SCHEMAS[kind], { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>));
  return schema;
}

const jsonSchemas = new Map<ArtifactKind, Record<string, unknown>>();

function hasCycle(tasks: readonly { id: string; dependsOn: readonly string[] }[]): boolean {
  const deps = new Map(tasks.map((t) => [t.id, t.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    for (const d of deps.get(id) ?? []) if (deps.has(d) && visit(d)) return true;
    state.set(id, 'done');
    return false;
  };
  return tasks.some((t) => visit(t.id));
}
