// Structured output from chat models that take no schema (vscode.lm): ask for JSON only, then
// find the JSON in what comes back. The caller still validates it against its zod schema.

/** JSON in a fenced block, or the outermost {...}: what a chat model without schemas answers. */
export function extractJson(text: string): string | undefined {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  const candidates = [fenced?.[1], text, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  for (const c of candidates) {
    if (!c?.trim()) continue;
    try {
      JSON.parse(c);
      return c.trim();
    } catch {
      // next
    }
  }
  return undefined;
}

export function jsonOnlyInstruction(name: string, schema: Record<string, unknown>): string {
  return `Answer with a single JSON object (${name}) and nothing else: no prose, no code fences. It must validate against this JSON Schema:\n${JSON.stringify(schema)}`;
}
