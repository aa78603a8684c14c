// One run with an event that does not match the schema (a newer version, a damaged row) is marked
// damaged in `runs`; every other run lists as before.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/app/openStore';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/orchestrator/orchestrator';
import { runCli } from '../../helpers/cliRunner';

describe('runs isolates a damaged run', () => {
  it('lists the good runs and marks the one with a bad event', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-runs-'));
    const opened = await openStore(root, 'write', 'test');
    const started = (objective: string) => ({ type: 'run.started', data: { v: 1, objective, options: DEFAULT_RUN_OPTIONS } });
    await opened.store.append('run-good-1', [started('first'), { type: 'run.completed', data: { accepted: 1, rejected: 0, applied: 0, costUsd: 0.5 } }]);
    await opened.store.append('run-bad', [started('second'), { type: 'agent.call.finished', data: { callId: 'c', costUsd: 'lots' } }]);
    await opened.store.append('run-good-2', [started('third \u001b]0;pwned\u0007')]);
    await opened.close();

    const text = await runCli(['runs', '--cwd', root]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(text.stdout, /run-good-1\s+completed\s+\$0\.00\s+2 events\s+first/);
    assert.match(text.stdout, /run-good-2\s+running/);
    assert.match(text.stdout, /run-bad\s+damaged\s+\?\s+2 events\s+event run-bad#2 \(agent\.call\.finished\) does not match its schema/);
    assert.ok(!text.stdout.includes('\u001b'), 'no control characters from stored text reach the terminal');
    assert.match(text.stderr, /1 run\(s\) could not be read/);

    const json = await runCli(['runs', '--cwd', root, '--json']);
    const rows = JSON.parse(json.stdout) as { runId: string; status: string; damage?: string; costUsd: number | null }[];
    assert.deepEqual(rows.map((r) => [r.runId, r.status]).sort(), [['run-bad', 'damaged'], ['run-good-1', 'completed'], ['run-good-2', 'running']]);
    assert.equal(rows.find((r) => r.runId === 'run-bad')!.costUsd, null);
  });
});
