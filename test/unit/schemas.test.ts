import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonSchemaFiles, SCHEMA_EXPORT_COMMAND } from '../../src/core/artifacts/jsonSchemaFiles';

const DIR = path.resolve(__dirname, '..', '..', 'schemas');

describe('schemas/*.schema.json', () => {
  const expected = jsonSchemaFiles();

  it('exports CodePatch, SpecDoc, ReviewReport, TestReport, ValidationReport and the run event union', () => {
    assert.deepEqual([...expected.keys()].sort(), ['CodePatch', 'ReviewReport', 'RunEvent', 'SpecDoc', 'TestReport', 'ValidationReport'].map((k) => `${k}.schema.json`));
    for (const text of expected.values()) assert.equal((JSON.parse(text) as { $schema: string }).$schema, 'http://json-schema.org/draft-07/schema#');
  });

  it('match the zod schemas they are generated from', () => {
    const stale: string[] = [];
    for (const [name, text] of expected) {
      const file = path.join(DIR, name);
      if (!fs.existsSync(file)) stale.push(`${name} is missing`);
      else if (fs.readFileSync(file, 'utf8') !== text) stale.push(`${name} differs`);
    }
    const extra = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((n) => n.endsWith('.schema.json') && !expected.has(n)) : [];
    for (const name of extra) stale.push(`${name} has no schema any more`);
    assert.deepEqual(stale, [], `schemas/ is out of date with the zod schemas: run \`${SCHEMA_EXPORT_COMMAND}\` and commit schemas/`);
  });
});
