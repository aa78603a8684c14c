// A team of models whose coder writes hostile code for the check command to run (a test that
// prints the environment, forks a daemon, writes through links...), with reviewers that approve
// anything: for the containment and scrubbing tests, driven through the real CLI `run`.
import type { FakeReply, FakeRequest } from './fakeModelServer';

export interface HostileFile {
  readonly path: string;
  readonly content: string;
}

export function hostileSpec(objective: string, decoration = '') {
  return {
    objective,
    summary: `Add a test.${decoration}`,
    tasks: [{ id: 'add-test', title: `Add a test${decoration}`, description: 'Add a test for the module.', kind: 'test', files: ['test/hostile.test.js'], dependsOn: [] }],
  };
}

/** Every coder round answers the same patch: `files` created, with `summary` as the patch summary. */
/** `decoration` is appended to the plan's summary and task title (hostile text for the terminal). */
export function hostileCheckTeam(objective: string, files: readonly HostileFile[], summary = 'Add a test', decoration = ''): (req: FakeRequest) => FakeReply {
  const patch = { summary, edits: files.map((f) => ({ kind: 'create', path: f.path, content: f.content })) };
  return (req) => {
    const usage = { input: 100, output: 100 };
    if (req.system.includes('Role: planner')) return { json: hostileSpec(objective, decoration), usage };
    if (req.system.includes('Role: reviewer')) return { json: { verdict: 'approve', score: 0.9, summary: 'Looks fine.', issues: [] }, usage };
    if (req.system.includes('Role: coder') || req.system.includes('Role: tester')) return { json: patch, usage };
    return { fault: 'http', status: 400, message: 'the hostile team has no answer for this request' };
  };
}
