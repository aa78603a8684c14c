// The API's OpenAPI document as the server generates it, without a workspace or a port: what
// `npm run schemas` writes to schemas/openapi.json for clients to generate code from.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { codecompanionVersion } from '../app/version';
import { createApiServer } from './apiServer';

export async function openApiDocument(): Promise<unknown> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codecompanion-openapi-'));
  const server = await createApiServer({ root, env: {}, token: 'x'.repeat(43), version: codecompanionVersion(), allowCheck: false });
  try {
    return server.app.swagger();
  } finally {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
