// The files under schemas/: every artifact and the run event union as JSON Schema, generated from
// the zod schemas so the published contract cannot drift from the code. scripts/exportSchemas.ts
// writes them; test/unit/schemas.test.ts fails when the committed files differ.
import { z } from 'zod';
import { RunEventSchema } from '../events';
import { ARTIFACT_SCHEMAS, artifactJsonSchema, type ArtifactKind } from './schemas';

export const SCHEMA_EXPORT_COMMAND = 'npm run schemas';

/** File name (relative to schemas/) → file content, in a stable order. */
export function jsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of Object.keys(ARTIFACT_SCHEMAS).sort() as ArtifactKind[]) files.set(`${kind}.schema.json`, render(kind, artifactJsonSchema(kind)));
  const events = z.toJSONSchema(RunEventSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  files.set('RunEvent.schema.json', render('RunEvent', events));
  return files;
}

function render(title: string, schema: Record<string, unknown>): string {
  const { $schema, ...rest } = schema;
  return JSON.stringify({ $schema, title, ...rest }, null, 2) + '\n';
}
