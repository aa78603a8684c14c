// The review's trust boundary without an editor: buildReview never offers a protected file, and
// gateAccept (what the editor's Accept / Accept All / auto-apply go through) applies a sensitive file
// only when `confirm` says yes to that file, by name, and never a protected one.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gateAccept } from '../../../src/app/review/sensitiveReview';
import { buildReview, selectHunks, type ReviewFile, type ReviewState } from '../../../src/app/review/reviewState';
import { event, type RunEvent } from '../../../src/core/events';
import { evolve, initialRunState, type RunState } from '../../../src/core/orchestrator/runState';
import type { CodePatch } from '../../../src/core/patch/codePatch';
import { SensitivePaths, type SensitiveFile } from '../../../src/core/patch/sensitivePaths';

function runWith(body: CodePatch): RunState {
  const events: RunEvent[] = [
    event('artifact.produced', { kind: 'CodePatch', artifactId: 'a', taskId: 't', body }),
    event('patch.proposed', { patchId: 't.r1', taskId: 't', round: 1, artifactId: 'a', provider: 'anthropic', model: 'm', files: body.edits.map((e) => e.path) }),
    event('patch.accepted', { patchId: 't.r1', taskId: 't' }),
  ];
  return events.reduce<RunState>((s, e) => evolve(s, e), { ...initialRunState('run-1'), objective: 'o' });
}

const hunk = (id: string) => ({ id, index: 0, oldStart: 0, oldLines: [], newLines: ['x'], contextBefore: [], contextAfter: [], decision: 'pending' as const });
const file = (p: string, extra: Partial<ReviewFile> = {}): ReviewFile => ({ path: p, action: 'create', eol: '\n', content: 'x\n', hunks: [hunk(`p/${p}#file`)], ...extra });

describe('review: protected and sensitive files', () => {
  it('buildReview reports a patch into .git as a problem and offers none of its files', () => {
    const review = buildReview(runWith({ summary: 's', edits: [{ kind: 'create', path: 'src/a.js', content: 'a\n' }, { kind: 'create', path: '.Git/hooks/pre-commit', content: 'x\n' }] }), () => undefined);
    assert.equal(review.patches[0]!.files.length, 0);
    assert.match(review.patches[0]!.problems.join('\n'), /\.Git\/hooks\/pre-commit: .*protected path rule '\.git\/\*\*'/);
  });

  it('gateAccept holds each sensitive file unless confirmed by name, and refuses protected files whatever is confirmed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-gate-'));
    fs.mkdirSync(path.join(root, '.git'));
    fs.symlinkSync('.git', path.join(root, 'meta'));
    const state: ReviewState = {
      runId: 'r',
      objective: 'o',
      patches: [{ patchId: 'p', taskId: 't', taskTitle: 't', summary: 's', provider: 'anthropic', model: 'm', problems: [], files: [file('src/a.js'), file('.vscode/settings.json'), file('.env'), file('meta/hooks/post-merge'), file('renamed.txt', { action: 'rename', from: '.npmrc' })] }],
    };
    const refs = selectHunks(state, {});
    const asked: SensitiveFile[] = [];
    const none = await gateAccept(root, refs, new SensitivePaths());
    assert.deepEqual(none.refs.map((r) => r.file.path), ['src/a.js'], 'an automatic apply took a sensitive or protected file');
    assert.deepEqual(none.held.map((h) => [h.path, h.rule]), [['.vscode/settings.json', '**/.vscode/**'], ['.env', '.env*'], ['renamed.txt', '.npmrc']]);
    assert.match(none.refused[0]!.reason, /^meta\/hooks\/post-merge leads through a symbolic link to \.git\/hooks\/post-merge, which is inside the git directory/);
    const some = await gateAccept(root, refs, new SensitivePaths(), async (f) => {
      asked.push(f);
      return f.path === '.env';
    });
    assert.deepEqual(asked.map((a) => a.path), ['.vscode/settings.json', '.env', 'renamed.txt'], 'each sensitive file is asked about once, by name');
    assert.deepEqual(some.refs.map((r) => r.file.path), ['src/a.js', '.env']);
    const all = await gateAccept(root, refs, new SensitivePaths(), async () => true);
    assert.ok(!all.refs.some((r) => r.file.path.startsWith('meta/')), 'a confirmation let a protected file through');
  });
});
