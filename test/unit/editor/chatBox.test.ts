// The chat box's pure parts: the `@file` mention syntax, which files may be offered and attached,
// the ranking of files for a mention, the budget field, and what a follow-up says of the earlier run.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attachableText, attachRefusal, offerable, rankFiles, relativePath } from '../../../src/app/attachments';
import { followUpOf } from '../../../src/app/followUp';
import { SensitivePaths } from '../../../src/core/patch/sensitivePaths';
import { parseEvent, type RecordedEvent } from '../../../src/core/events';
import { completeMention, mentionAt, parseMentions } from '../../../src/protocol/mentions';
import { parseWebviewMessage } from '../../../src/protocol/messages';
import { parseBudget } from '../../../webview/budget';
import { ALREADY_SENDING, decideSend, refusalHolds, RUN_GOING, sendView } from '../../../webview/sendGate';

describe('chat box: @file mentions', () => {
  it('finds every mentioned path once, in order, leaving sentence punctuation and e-mail addresses alone', () => {
    assert.deepEqual(parseMentions('fix @src/users.js, then @README.md. Also @src/users.js again (see @test/a.test.js)'), ['src/users.js', 'README.md', 'test/a.test.js']);
    assert.deepEqual(parseMentions('mail me at dev@example.com'), []);
    assert.deepEqual(parseMentions('@a.ts\n@b/c.ts'), ['a.ts', 'b/c.ts']);
    assert.deepEqual(parseMentions('a lone @ sign'), []);
  });

  it('knows the mention being typed at the caret, and completes it in place', () => {
    const text = 'paginate @src/us and more';
    assert.deepEqual(mentionAt(text, 16), { start: 9, query: 'src/us' });
    assert.equal(mentionAt(text, 8), undefined);
    assert.equal(mentionAt('user@host', 9), undefined, 'an @ inside a word is not a mention');
    assert.deepEqual(mentionAt('@', 1), { start: 0, query: '' });
    const done = completeMention(text, mentionAt(text, 16)!, 16, 'src/users.js');
    assert.equal(done.text, 'paginate @src/users.js and more');
    assert.equal(done.text.slice(0, done.caret), 'paginate @src/users.js ');
  });
});

describe('chat box: which files may be attached', () => {
  const sensitive = new SensitivePaths();

  it('refuses .git, .codecompanion and sensitive paths, each with a line that says why', () => {
    assert.match(attachRefusal('.env', sensitive)!, /\.env is a sensitive file \(rule '\.env\*'\): it may hold secrets, so it is never attached/);
    assert.match(attachRefusal('.git/config', sensitive)!, /inside \.git or \.codecompanion/);
    assert.match(attachRefusal('sub/.codecompanion/db.sqlite', sensitive)!, /inside \.git or \.codecompanion/);
    assert.match(attachRefusal('.github/workflows/ci.yml', sensitive)!, /sensitive/);
    assert.equal(attachRefusal('src/users.js', sensitive), undefined);
  });

  it('takes paths only inside the folder', () => {
    assert.equal(relativePath('/w', '/w/src/a.ts'), 'src/a.ts');
    assert.equal(relativePath('/w', 'src/a.ts'), 'src/a.ts');
    assert.equal(relativePath('/w', '../etc/passwd'), undefined);
    assert.equal(relativePath('/w', '/etc/passwd'), undefined);
    assert.equal(relativePath('/w', '/w'), undefined);
  });

  it('offers no file a .gitignore at any level ignores, nor a protected or sensitive one', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-chat-'));
    fs.writeFileSync(path.join(root, '.gitignore'), 'dist/\n*.log\n');
    fs.mkdirSync(path.join(root, 'pkg'));
    fs.writeFileSync(path.join(root, 'pkg', '.gitignore'), 'generated.ts\n!keep.log\n');
    const listed = ['src/a.ts', 'dist/out.js', 'debug.log', 'pkg/generated.ts', 'pkg/keep.log', 'pkg/b.ts', '.env.local', '.git/HEAD', '.codecompanion/x', '.vscode/tasks.json'];
    assert.deepEqual(offerable(root, listed, sensitive), ['src/a.ts', 'pkg/keep.log', 'pkg/b.ts']);
  });

  it('reads text and refuses binaries', () => {
    assert.deepEqual(attachableText('a.txt', new TextEncoder().encode('héllo')), { text: 'héllo' });
    assert.deepEqual(attachableText('a.png', new Uint8Array([0x89, 0x50, 0, 1])), { refused: 'a.png is not a text file' });
  });

  it('ranks a file name that starts with the query first, then paths containing it, then scattered letters', () => {
    const files = ['test/users.test.js', 'src/users.js', 'src/handlers/userService.ts', 'docs/usage.md', 'README.md'];
    assert.deepEqual(rankFiles(files, 'users.j'), ['src/users.js', 'test/users.test.js']);
    assert.deepEqual(rankFiles(files, 'handlers/u'), ['src/handlers/userService.ts']);
    assert.deepEqual(rankFiles(files, 'usrs'), ['src/users.js', 'test/users.test.js', 'src/handlers/userService.ts']);
    assert.deepEqual(rankFiles(files, 'USER'), ['src/users.js', 'test/users.test.js', 'src/handlers/userService.ts']);
    assert.deepEqual(rankFiles(files, 'rdm'), ['README.md']);
    assert.equal(rankFiles(files, '').length, files.length);
    assert.equal(rankFiles(Array.from({ length: 50 }, (_, i) => `f${i}.ts`), 'f').length, 20);
  });
});

describe('chat box: messages and the budget field', () => {
  it('parses the box\'s messages and refuses malformed ones', () => {
    assert.ok(parseWebviewMessage({ type: 'chat/send', text: 'add paging @src/users.js' }).ok);
    assert.ok(parseWebviewMessage({ type: 'chat/runSettings', budget: 'default', preset: 'economy' }).ok);
    assert.ok(parseWebviewMessage({ type: 'chat/runSettings', budget: null, preset: 'quality' }).ok);
    assert.equal(parseWebviewMessage({ type: 'chat/runSettings', budget: -1, preset: 'balanced' }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'chat/send', text: 'x'.repeat(20_001) }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'chat/detach', id: '' }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'chat/followUp', runId: null }).ok, true);
  });

  it('reads the budget field: empty for the setting, 0 for none, an amount with or without $', () => {
    assert.equal(parseBudget(''), 'default');
    assert.equal(parseBudget(' 0 '), null);
    assert.equal(parseBudget('$0.50'), 0.5);
    assert.equal(parseBudget('2'), 2);
    assert.equal(parseBudget('-1'), undefined);
    assert.equal(parseBudget('lots'), undefined);
  });
});

describe('chat box: Enter while a send or a run is going', () => {
  const idle = { running: false, sending: false };
  const sending = { running: false, sending: true };
  const running = { running: true, sending: false };

  it('sends text from an idle box, and nothing from an empty one, silently', () => {
    assert.deepEqual(decideSend(idle, 'add paging'), { send: true });
    assert.deepEqual(decideSend(idle, '  \n '), { send: false });
    assert.deepEqual(decideSend(running, ''), { send: false });
  });

  it('refuses a second Enter while the first is on its way, and says so in the box', () => {
    assert.deepEqual(decideSend(sending, 'add paging'), { send: false, say: ALREADY_SENDING });
    assert.deepEqual(decideSend({ running: true, sending: true }, 'again'), { send: false, say: ALREADY_SENDING });
    const view = sendView(sending, ALREADY_SENDING);
    assert.equal(view.line, ALREADY_SENDING);
    assert.equal(view.disabled, true);
    assert.equal(view.label, 'Sending…');
  });

  it('refuses Enter while a run is going, saying why, and shows nothing once both are over', () => {
    assert.deepEqual(decideSend(running, 'next thing'), { send: false, say: RUN_GOING });
    assert.match(RUN_GOING, /one run at a time/);
    assert.deepEqual(sendView(running, RUN_GOING), { line: RUN_GOING, label: 'Send', title: 'A run is going: one run at a time', disabled: true });
    assert.equal(sendView(sending, null).line, 'Sending…', 'a send on its way shows in the box before any second Enter');
    assert.deepEqual(sendView(idle, null), { line: null, label: 'Send', title: 'Send (Enter)', disabled: false });
  });

  it('keeps a refusal on screen while it is true, and only then', () => {
    assert.equal(refusalHolds(ALREADY_SENDING, sending), ALREADY_SENDING);
    assert.equal(refusalHolds(ALREADY_SENDING, running), null, 'once the run goes, the send is no longer on its way');
    assert.equal(refusalHolds(RUN_GOING, running), RUN_GOING);
    assert.equal(refusalHolds(RUN_GOING, idle), null, 'once the run ends, Enter sends again');
    assert.equal(refusalHolds(null, running), null);
  });
});

describe('chat box: what a follow-up says of the earlier run', () => {
  const ts = Date.UTC(2026, 10, 30);
  let seq = 0;
  const ev = (type: string, data: unknown): RecordedEvent => parseEvent({ runId: 'run-1', seq: ++seq, globalSeq: seq, ts, type, data });
  const options = { budgetUsd: 1, dailyBudgetUsd: null, allowUnpriced: false, consensus: 'majority', reviewersPerPatch: 1, maxRounds: 2, explore: false, seed: 1, checkCommand: null, checkTimeoutMs: 1000, apply: false };
  const spec = { objective: 'add pagination', summary: 'page the users list', tasks: [
    { id: 't1', title: 'Paginate users', description: 'd', kind: 'code', files: ['src/users.js'], dependsOn: [], complexity: 'low', complexityReason: 'r', type: 'code' },
    { id: 't2', title: 'Document it', description: 'd', kind: 'code', files: ['README.md'], dependsOn: [], complexity: 'low', complexityReason: 'r', type: 'docs' },
    { id: 't3', title: 'Test it', description: 'd', kind: 'test', files: ['test/u.test.js'], dependsOn: [], complexity: 'low', complexityReason: 'r', type: 'test' },
  ] };
  const hunk = (id: string) => ({ id, index: 0, oldStart: 1, oldLines: ['a'], newLines: ['b'], contextBefore: [], contextAfter: [] });
  const proposed = (patchId: string, taskId: string, file: string, ids: string[]) => ev('review.proposed', { patchId, taskId, taskTitle: taskId, summary: 's', provider: 'anthropic', model: 'm', objective: 'add pagination', files: [{ path: file, action: 'modify', eol: '\n', hunks: ids.map(hunk) }], problems: [] });

  it('names the plan, what reached the files, what waits for review, what the user rejected and what was not done', () => {
    seq = 0;
    const events = [
      ev('run.started', { v: 1, objective: 'add pagination', options }),
      ev('plan.proposed', { callId: 'plan', spec }),
      ev('patch.proposed', { patchId: 'p1', taskId: 't1', round: 1, artifactId: 'a1', provider: 'anthropic', model: 'm', files: ['src/users.js'] }),
      ev('patch.accepted', { patchId: 'p1', taskId: 't1' }),
      ev('patch.proposed', { patchId: 'p2', taskId: 't2', round: 1, artifactId: 'a2', provider: 'anthropic', model: 'm', files: ['README.md'] }),
      ev('patch.accepted', { patchId: 'p2', taskId: 't2' }),
      ev('task.failed', { taskId: 't3', reason: 'no model' }),
      ev('run.completed', { accepted: 2, rejected: 1, applied: 0, costUsd: 0.1 }),
      proposed('p1', 't1', 'src/users.js', ['h1', 'h2']),
      proposed('p2', 't2', 'README.md', ['h3']),
      ev('review.applied', { decisionId: 'd1', hunkIds: ['h1'] }),
      ev('review.rejected', { decisionId: 'd2', hunkIds: ['h3'] }),
    ];
    const f = followUpOf('run-1', events);
    assert.equal(f.objective, 'add pagination');
    assert.equal(f.outcome, 'plan: page the users list; changes applied to src/users.js; still waiting for review: README.md; the user rejected changes to README.md; task "Test it" was not done (failed)');
  });

  it('says when nothing was applied, and that an applied change rolled back no longer counts', () => {
    seq = 0;
    const events = [
      ev('run.started', { v: 1, objective: 'x', options }),
      proposed('p1', 't1', 'src/users.js', ['h1']),
      ev('review.applied', { decisionId: 'd1', hunkIds: ['h1'] }),
      ev('review.rolledBack', { decisionId: 'd2', reverted: ['h1'], conflicts: [] }),
      ev('run.cancelled', { reason: 'cancelled by the user' }),
    ];
    assert.equal(followUpOf('run-1', events).outcome, 'no change of it was applied; the run was cancelled');
  });
});
