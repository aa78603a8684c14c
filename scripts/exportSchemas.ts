// Writes schemas/*.schema.json from the zod schemas (and removes files no schema produces any more).
// Run after changing an artifact or event schema; the unit tests fail until you do:
//   npm run schemas        (or: npx tsx scripts/exportSchemas.ts)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonSchemaFiles } from '../src/core/artifacts/jsonSchemaFiles';
import { openApiDocument } from '../src/server/openApi';

async function main(): Promise<void> {
  const dir = path.resolve(__dirname, '..', 'schemas');
  fs.mkdirSync(dir, { recursive: true });
  const files = jsonSchemaFiles();
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith('.schema.json') && !files.has(name)) {
      fs.rmSync(path.join(dir, name));
      process.stdout.write(`removed schemas/${name}\n`);
    }
  }
  for (const [name, text] of files) {
    const target = path.join(dir, name);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current === text) continue;
    fs.writeFileSync(target, text);
    process.stdout.write(`wrote schemas/${name}\n`);
  }
  const openapi = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
  const target = path.join(dir, 'openapi.json');
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== openapi) {
    fs.writeFileSync(target, openapi);
    process.stdout.write('wrote schemas/openapi.json\n');
  }
}

void main();
