// GET /runs/:id/events as Server-Sent Events through the run's shared fan-out, driven by real HTTP
// clients against a started server: the review's events follow the run's on the same stream until
// nothing is pending, and a subscriber that stops reading is cut (with a clear last frame) without
// holding back the others, then resumes with Last-Event-ID with no gap and no duplicate.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { openStore } from '../../../src/app/openStore';
import { openSse, type SseFrame, type SseStream } from '../../helpers/sse';
import { sampleTeamServer } from '../orchestrator/helpers';
import { serve, TOKEN, type Served, waitFor, hunkUrl } from './helpers';

const OBJECTIVE = 'add pagination to the users API';
const auth = { authorization: `Bearer ${TOKEN}` };


/** Frames until `stop` says so, the stream ends, or `event: end`. */
async function readUntil(stream: SseStream, stop: (f: SseFrame) => boolean = () => false): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for (;;) {
    const f = await stream.next();
    if (!f) return frames;
    frames.push(f);
    if (f.event === 'end' || stop(f)) return frames;
  }
}

const messages = (frames: readonly SseFrame[]) => frames.filter((f) => f.event === 'message').map((f) => JSON.parse(f.data) as { seq: number; type: string; data: any });

describe('serve: live run events (SSE fan-out)', function () {
  this.timeout(240_000);
  const models = sampleTeamServer(30);
  let s: Served | undefined;
  afterEach(async () => {
    await s?.server.close();
    s = undefined;
  });

  it("the run's review events follow on the same stream: proposals, then each decision, and `end` once nothing is pending", async () => {
    s = await serve(models());
    const { runId } = (await s.api('POST', '/runs', { objective: OBJECTIVE, reviewers: 1, apply: false })).body;
    const stream = await openSse(`${s.url}/runs/${runId}/events`, auth);
    // the run, then what it proposed for review; the stream stays open while hunks are pending
    const head = await readUntil(stream, (f) => f.event === 'message' && JSON.parse(f.data).type === 'review.proposed');
    const view = await waitFor('the run to end', async () => {
      const r = await s!.api('GET', `/runs/${runId}`);
      return r.body.status === 'completed' && !r.body.active ? r.body : undefined;
    });
    const proposed = await readUntil(stream, (f) => f.id === String(view.lastSeq));
    const early = messages([...head, ...proposed]);
    assert.deepEqual(early.map((e) => e.seq), early.map((_, i) => i + 1), 'every event once, in order');
    const completedAt = early.findIndex((e) => e.type === 'run.completed');
    assert.ok(completedAt > 0, 'run.completed is on the stream');
    assert.ok(early.slice(completedAt + 1).length >= 1 && early.slice(completedAt + 1).every((e) => e.type === 'review.proposed'));
    assert.ok(![...head, ...proposed].some((f) => f.event === 'end'), 'no end while the review is pending');

    // decisions through the API arrive on the stream; the last one ends it
    const hunks = (await s.api('GET', `/runs/${runId}/review`)).body.patches.flatMap((p: any) => p.hunks) as Array<{ id: string }>;
    assert.ok(hunks.length >= 2, `${hunks.length} hunks`);
    const rejected = await s.api('POST', hunkUrl(hunks[0]!.id, 'reject'), { reason: 'not this one' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    const decision = messages(await readUntil(stream, (f) => f.event === 'message' && JSON.parse(f.data).type === 'review.rejected'));
    assert.deepEqual(decision.map((e) => e.type), ['review.rejected']);
    assert.deepEqual(decision[0]!.data.hunkIds, [hunks[0]!.id]);
    assert.equal(decision[0]!.seq, view.lastSeq + 1);
    for (const h of hunks.slice(1)) assert.equal((await s.api('POST', hunkUrl(h.id, 'reject'), {})).status, 200);
    const tail = await readUntil(stream);
    assert.equal(tail.at(-1)?.event, 'end', 'the stream ends once nothing is pending');
    const rest = messages(tail);
    assert.deepEqual(rest.map((e) => e.seq), rest.map((_, i) => view.lastSeq + 2 + i));
    // each rejection, and the patch it leaves with nothing accepted
    assert.equal(rest.filter((e) => e.type === 'review.rejected').length, hunks.length - 1);
    assert.ok(rest.every((e) => e.type === 'review.rejected' || e.type === 'patch.rejected'), rest.map((e) => e.type).join(', '));
    assert.equal(await stream.next(), undefined, 'nothing after end');

    // a subscriber arriving later gets the whole log and the end at once; one resuming gets only what follows its id
    const again = await readUntil(await openSse(`${s.url}/runs/${runId}/events`, auth));
    assert.deepEqual(messages(again).map((e) => e.seq), [...early, ...decision, ...rest].map((e) => e.seq));
    assert.equal(again.at(-1)?.event, 'end');
    const resumed = await readUntil(await openSse(`${s.url}/runs/${runId}/events`, { ...auth, 'last-event-id': String(view.lastSeq) }));
    assert.deepEqual(messages(resumed).map((e) => e.seq), [...decision, ...rest].map((e) => e.seq));
  });

  it('a subscriber that stops reading is cut after the last whole event, the others are not held back, and it resumes with Last-Event-ID', async () => {
    // a run written by another process (as a CLI run is), with far more than any socket buffer holds
    s = await serve(models(), { maxBufferedBytes: 256 * 1024 });
    const runId = 'run-20260101-000000-slowread';
    const writer = await openStore(s.root, 'write', 'test writer');
    const chunk = 'x'.repeat(8 * 1024);
    try {
      await writer.store.append(runId, [{ type: 'run.started', data: { v: 1, objective: OBJECTIVE, options: {} } }]);
      const stalled = await stalledSubscriber(s.port, `/runs/${runId}/events`);
      let reader = await openSse(`${s.url}/runs/${runId}/events`, auth);
      await waitFor('both subscribers to join', () => (s!.server.fanouts.subscribers === 2 ? true : undefined));
      const total = 1 + 300 * 4; // about 9.6 MB of events, 32 KB per durable append
      // a reader that is itself starved of CPU (this machine's load) may be cut too: it resumes, as any client does
      const reading = (async () => {
        const frames: SseFrame[] = [];
        for (;;) {
          frames.push(...(await readUntil(reader, (f) => f.id === String(total) || f.event === 'cut')));
          const last = messages(frames).at(-1)?.seq ?? 0;
          if (last >= total) return frames;
          reader.close();
          reader = await openSse(`${s!.url}/runs/${runId}/events`, { ...auth, 'last-event-id': String(last) });
        }
      })();
      for (let batch = 0; batch < 300; batch++) {
        await writer.store.append(runId, Array.from({ length: 4 }, (_, i) => ({ type: 'agent.call.streamed', data: { callId: `c${batch}`, text: chunk, chars: chunk.length + i } })));
        await new Promise((r) => setImmediate(r)); // a run's appends come apart, never in one tight loop
      }
      // the reader gets every event once, in order, while the stalled client reads nothing
      const got = messages(await reading);
      assert.deepEqual(got.map((e) => e.seq), Array.from({ length: total }, (_, i) => i + 1));
      assert.equal(stalled.received(), 0, 'the stalled client has read nothing');
      assert.equal(s.server.fanouts.subscribers, 1, 'the stalled client was cut');
      reader.close();

      // once it reads: what was queued for it, then `event: cut` naming its last id, then the end of the response
      stalled.resume();
      const blocks = (await stalled.ended).split('\n\n').filter((b) => b.trim() !== '');
      const cut = blocks.at(-1)!;
      assert.match(cut, /^event: cut\ndata: /, cut.slice(0, 200));
      const cutData = JSON.parse(cut.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
      const ids = blocks.map((b) => /^id: (\d+)$/m.exec(b)?.[1]).filter((x): x is string => x !== undefined).map(Number);
      assert.ok(ids.length > 0 && ids.length < total, `it got some of the events before the cut (${ids.length})`);
      assert.deepEqual(ids, ids.map((_, i) => i + 1), 'whole events, in order, none missing');
      assert.equal(cutData.lastEventId, ids.at(-1));
      assert.match(cutData.reason, /unread/);
      // resuming from the cut: the rest, no gap, no duplicate
      const after = await openSse(`${s.url}/runs/${runId}/events`, { ...auth, 'last-event-id': String(cutData.lastEventId) });
      const rest = messages(await readUntil(after, (f) => f.id === String(total)));
      assert.deepEqual([...ids, ...rest.map((e) => e.seq)], got.map((e) => e.seq));
      after.close();
    } finally {
      await writer.close();
    }
  });
});

/**
 * An SSE request on a raw socket that stops reading after the response headers, as a client whose
 * process hangs does: the kernel's receive buffer fills, then the server's send buffer, then what the
 * server queues. resume() starts reading again; `ended` is everything read after the headers.
 */
async function stalledSubscriber(port: number, path: string): Promise<{ received(): number; resume(): void; ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { ...auth, accept: 'text/event-stream' }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      res.pause();
      let body = '';
      let received = 0;
      const ended = new Promise<string>((done) => {
        res.on('data', (d: Buffer) => {
          received += d.length;
          body += d.toString();
        });
        res.on('end', () => done(body));
        res.on('close', () => done(body));
      });
      resolve({ received: () => received, resume: () => res.resume(), ended });
    });
    req.end();
  });
}
