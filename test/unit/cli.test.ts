// The CLI shell: the command list, per-command help, unknown commands.
import { strict as assert } from 'node:assert';
import { runCli } from '../helpers/cliRunner';

describe('codecompanion (the CLI shell)', () => {
  it('lists every command with its usage', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const name of ['run', 'resume', 'revise', 'runs', 'events', 'replay', 'patch', 'ask', 'providers', 'db', 'index', 'search']) assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
  });

  it('prints one command’s usage for --help, without running it', async () => {
    const r = await runCli(['run', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: codecompanion run "OBJECTIVE"/);
    assert.equal(r.stderr, '');
  });

  it('names an unknown command and exits 2', async () => {
    const r = await runCli(['rnu']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "codecompanion: unknown command 'rnu'. Run 'codecompanion --help' for the list.\n");
  });
});
