// Drains a ModelClient stream the way an agent would, checking it ends with exactly one result.
import { strict as assert } from 'node:assert';
import type { ModelDelta, ModelResult } from '../../src/core/ports/model';

export async function collect(stream: AsyncIterable<ModelDelta>): Promise<{ deltas: ModelDelta[]; result: ModelResult }> {
  const deltas: ModelDelta[] = [];
  for await (const d of stream) deltas.push(d);
  const done = deltas.find((d) => d.type === 'done');
  assert.ok(done && done.type === 'done', 'the stream ended without done');
  return { deltas, result: done.result };
}
