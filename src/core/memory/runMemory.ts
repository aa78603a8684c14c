// What past runs teach later ones: a summary of each run and every patch decision with its reasons,
// stored as run-memory chunks (source 'run', path = run id) next to the code chunks, so the same
// search finds "patches like this were rejected because …". Implements the orchestrator's
// DecisionMemory; run summaries are written by whoever finishes the run (the CLI, the editor).
import type { DecisionMemory } from '../orchestrator/orchestrator';
import type { RunState } from '../orchestrator/runState';
import type { Embedder } from '../ports/model';
import { contentHash } from './chunker';
import { MAX_EMBED_CHARS } from './indexer';
import type { ChunkInput, RunMemoryStore } from './memoryPort';

type PatchDecision = Parameters<DecisionMemory['rememberPatchDecision']>[0];

export class RunMemory implements DecisionMemory {
  constructor(private readonly store: RunMemoryStore, private readonly embedder?: Embedder) {}

  async rememberPatchDecision(d: PatchDecision): Promise<void> {
    const verdict = d.decision === 'accept' ? 'accepted' : 'rejected';
    const reasons = d.reasons.length ? `\nReasons:\n${d.reasons.map((r) => `- ${r}`).join('\n')}` : '';
    const text = `Patch ${verdict}: ${d.taskTitle}\nObjective: ${d.objective}\nPatch: ${d.summary}\nFiles: ${d.files.join(', ')}${reasons}`;
    await this.add({ path: d.runId, startLine: 0, endLine: 0, symbol: d.patchId, kind: `patch-${d.decision}`, contentHash: contentHash(text), text });
  }

  async rememberRun(state: RunState): Promise<void> {
    const patches = Object.values(state.patches);
    const tasks = state.taskOrder.map((id) => state.tasks[id]).filter((t) => t !== undefined);
    const lines = [
      `Run ${state.status}: ${state.objective}`,
      ...(state.spec ? [`Plan: ${state.spec.summary}`] : []),
      ...tasks.map((t) => `- ${t.title} (${t.files.join(', ')}): ${t.status}`),
      `${patches.filter((p) => p.decision?.decision === 'accept').length} patch(es) accepted, ${patches.filter((p) => p.decision?.decision === 'reject').length} rejected`,
      ...(state.error ? [`Stopped: ${state.error.message}`] : []),
    ];
    const text = lines.join('\n');
    await this.add({ path: state.runId, startLine: 0, endLine: 0, symbol: undefined, kind: 'run-summary', contentHash: contentHash(text), text });
  }

  private async add(chunk: ChunkInput): Promise<void> {
    await this.store.addRunChunks([chunk]);
    if (!this.embedder || this.store.vectors(this.embedder.id, [chunk.contentHash]).size) return;
    try {
      const [vector] = await this.embedder.embed([chunk.text.slice(0, MAX_EMBED_CHARS)]);
      if (vector) await this.store.putVectors(this.embedder.id, new Map([[chunk.contentHash, vector]]));
    } catch {
      // best effort: an entry without a vector is still found by keywords
    }
  }
}
