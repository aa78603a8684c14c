// An optional source of extra context for prompts (the memory index: related code by similarity).
// The orchestrator works without one; when given, its text is added to planner and coder prompts.
export interface ContextQuery {
  readonly objective: string;
  readonly taskDescription?: string;
  readonly files: readonly string[];
}

export interface ContextProvider {
  contextFor(query: ContextQuery, signal?: AbortSignal): Promise<string>;
}
