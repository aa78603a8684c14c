// The CodePatch artifact: what a coder agent proposes and the patch engine applies.
// Paths are workspace-relative with forward slashes; the engine refuses anything leading outside.
import { z } from 'zod';

export const SearchReplaceSchema = z.object({
  search: z.string().describe('Text to find in the current file, as the model remembers it'),
  replace: z.string().describe('Text to put in its place'),
});

export const DiffHunkSchema = z.object({
  /** The header as emitted; line numbers are hints, never trusted. */
  header: z.string().optional(),
  oldStart: z.number().int().nonnegative().optional(),
  /** Hunk body lines, each starting with ' ', '-' or '+'. */
  lines: z.array(z.string()),
});

export const FileEditSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('searchReplace'), path: z.string().min(1), blocks: z.array(SearchReplaceSchema).min(1) }),
  z.object({ kind: z.literal('unifiedDiff'), path: z.string().min(1), hunks: z.array(DiffHunkSchema).min(1) }),
  z.object({ kind: z.literal('replaceFile'), path: z.string().min(1), content: z.string() }),
  z.object({ kind: z.literal('create'), path: z.string().min(1), content: z.string() }),
  z.object({ kind: z.literal('delete'), path: z.string().min(1) }),
  z.object({ kind: z.literal('rename'), path: z.string().min(1), to: z.string().min(1) }),
]);

export const CodePatchSchema = z.object({
  summary: z.string().describe('One line: what the patch does and why'),
  edits: z.array(FileEditSchema).min(1),
});

export type SearchReplace = z.infer<typeof SearchReplaceSchema>;
export type DiffHunk = z.infer<typeof DiffHunkSchema>;
export type FileEdit = z.infer<typeof FileEditSchema>;
export type CodePatch = z.infer<typeof CodePatchSchema>;

/** Every path a patch touches, a rename's both ends included, once each. */
export function patchFiles(patch: CodePatch): string[] {
  return [...new Set(patch.edits.flatMap((e) => (e.kind === 'rename' ? [e.path, e.to] : [e.path])))];
}
