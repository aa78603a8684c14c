// Real models stream for tens of seconds: the orchestrator writes one agent.call.streamed event per
// 250 ms. Recorded sessions and the fakes answer at once, in one piece; this splits each streamed
// event of a recorded run into `pieces` events (same text in order, same total chars) so a run has
// the event shape of a real one. Seqs are renumbered; events keep their order and times.
import type { NewEvent, StoredEvent } from '../../src/core/ports/eventStore';

export function expandStreams(events: readonly StoredEvent[], pieces: number, pad = ''): NewEvent[] {
  const out: NewEvent[] = [];
  for (const e of events) {
    if (e.type !== 'agent.call.streamed') {
      out.push({ type: e.type, data: e.data, ts: e.ts });
      continue;
    }
    const d = e.data as { callId: string; text: string };
    const text = d.text + pad;
    const size = Math.max(1, Math.ceil(text.length / pieces));
    for (let i = 0, k = 0; i < text.length; i += size, k++) {
      const part = text.slice(i, i + size);
      out.push({ type: e.type, data: { callId: d.callId, text: part, chars: part.length }, ts: e.ts - (pieces - k) * 250 });
    }
  }
  return out;
}
