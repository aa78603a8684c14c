import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readSettings } from '../../../src/app/editorSettings';
import { chosenObjective, objectiveItems } from '../../../src/vscode/onboarding/objectiveItems';
import { modelSetupFrom, setupSettingsFrom, suggestCheckCommand } from '../../../src/vscode/onboarding/readiness';
import { recordingBeside, recordingSettings } from '../../../src/vscode/onboarding/recording';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const settings = (over: Record<string, unknown> = {}) => readSettings((k) => over[k]);

describe('editor: onboarding and the objective prompt', () => {
  it('typing a prefix of a recent objective runs the typed text, not the recent one', () => {
    const recent = ['add pagination to the users API', 'fix the login bug'];
    const items = objectiveItems('add pagination', recent);
    assert.equal(items[0]!.label, 'add pagination');
    assert.equal(items[0]!.typed, true);
    // Enter on the row the quick pick focuses (the first) runs what was typed
    assert.equal(chosenObjective('add pagination', items[0]), 'add pagination');
    // moving to a recent one and pressing Enter runs that one
    assert.equal(chosenObjective('add pagination', items[1]), 'add pagination to the users API');
    // with nothing typed, the recent objectives are offered as they are
    assert.deepEqual(objectiveItems('', recent).map((i) => i.label), recent);
    assert.equal(chosenObjective('   ', undefined), undefined);
    // typing a recent objective exactly lists it once
    assert.equal(objectiveItems('fix the login bug', recent).filter((i) => i.label === 'fix the login bug').length, 1);
  });

  it('no key, no local server, no replay and no VS Code model: not ready, so onboarding comes before any prompt', () => {
    const setup = (over: Record<string, unknown> = {}) => setupSettingsFrom((k) => over[k]);
    assert.deepEqual(modelSetupFrom(setup(), {}, {}, 0), { ready: false, source: 'none', providers: [], languageModels: 0 });
    assert.equal(modelSetupFrom(setup(), { anthropic: 'k' }, {}, 0).source, 'providers');
    assert.equal(modelSetupFrom(setup(), {}, { OPENAI_API_KEY: 'k' }, 0).source, 'providers');
    assert.equal(modelSetupFrom(setup(), {}, { OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:1/v1' }, 0).source, 'providers');
    assert.equal(modelSetupFrom(setup({ 'providers.openaiCompatible.baseUrl': 'http://127.0.0.1:1/v1' }), {}, {}, 0).source, 'providers');
    // a base URL alone is not a key for a vendor
    assert.equal(modelSetupFrom(setup({ 'providers.openai.baseUrl': 'http://127.0.0.1:1/v1' }), {}, {}, 0).ready, false);
    assert.equal(modelSetupFrom(setup({ replaySession: 'session.jsonl' }), {}, {}, 0).source, 'replay');
    assert.equal(modelSetupFrom(setup(), {}, {}, 2).source, 'vscode-lm');
    assert.equal(modelSetupFrom(setup({ languageModels: 'off' }), {}, {}, 2).ready, false);
  });

  it('suggests a check command from the workspace: npm test, pytest, go test, cargo test', () => {
    const files = (entries: Record<string, string>) => [(n: string) => n in entries, (n: string) => entries[n]] as const;
    assert.equal(suggestCheckCommand(...files({ 'package.json': JSON.stringify({ scripts: { test: 'node --test' } }) })), 'npm test');
    assert.equal(suggestCheckCommand(...files({ 'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }) })), undefined);
    assert.equal(suggestCheckCommand(...files({ 'package.json': '{not json' })), undefined);
    assert.equal(suggestCheckCommand(...files({ 'pyproject.toml': '' })), 'python -m pytest -q');
    assert.equal(suggestCheckCommand(...files({ 'go.mod': '' })), 'go test ./...');
    assert.equal(suggestCheckCommand(...files({ 'Cargo.toml': '' })), 'cargo test');
    assert.equal(suggestCheckCommand(...files({})), undefined);
  });

  it('no setting description says "the an" or repeats a word', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { markdownDescription?: string; description?: string }> } } };
    const bad = Object.entries(manifest.contributes.configuration.properties)
      .map(([key, p]) => [key, p.markdownDescription ?? p.description ?? ''] as const)
      .filter(([, text]) => /\b(the|a|an) (the|a|an)\b/i.test(text) || /\b(\w+) \1\b/i.test(text));
    assert.deepEqual(bad, []);
  });
});

describe('editor: the recorded sample', () => {
  it('the shipped recording names its settings: two reviewers and node --test, not the editor defaults', () => {
    const session = path.join(ROOT, 'samples/session.jsonl');
    const sample = recordingBeside(session);
    assert.ok(sample, 'samples/sample.json does not describe samples/session.jsonl');
    assert.deepEqual(recordingSettings(sample, session), { replaySession: session, reviewersPerPatch: 2, checkCommand: 'node --test', budgetUsd: 1 });
    const defaults = settings();
    assert.notEqual(defaults.reviewersPerPatch, sample.reviewers, 'the editor default would replay the sample with the wrong reviewers');
  });

  it('a session with no description beside it, or one naming another session, brings no settings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-rec-'));
    writeFileSync(path.join(dir, 'mine.jsonl'), '');
    assert.equal(recordingBeside(path.join(dir, 'mine.jsonl')), undefined);
    writeFileSync(path.join(dir, 'sample.json'), JSON.stringify({ objective: 'o', checkCommand: '', budgetUsd: 1, session: 'other.jsonl', reviewers: 2 }));
    assert.equal(recordingBeside(path.join(dir, 'mine.jsonl')), undefined);
  });
});
