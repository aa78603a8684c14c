// A scripted team of models for the bundled sample (samples/workspace, "add pagination to the users
// API"): what the fake vendor servers answer, by role and task, so the whole pipeline can run
// through the real SDKs with no key. It is written to exercise the cascade: the first pagination
// patch breaks an existing test, the check command catches it, and the coder's second round passes.
import type { FakeReply, FakeRequest } from './fakeModelServer';

export const SAMPLE_SPEC = {
  objective: 'add pagination to the users API',
  summary:
    'Keep listUsers() as it is for existing callers and add listUsersPage({ page, pageSize }) returning one page with totals; GET /users pages when ?page or ?pageSize is given and answers 400 on bad values. Tests cover paging and validation; the README documents the API.',
  tasks: [
    {
      id: 'paginate-users',
      title: 'Paginate the users API',
      description:
        'Add listUsersPage({ page = 1, pageSize = 10 }) to src/users.js returning { items, page, pageSize, total, totalPages }; page is a 1-based integer, pageSize an integer from 1 to 100, anything else throws RangeError. In src/server.js, GET /users uses it when page or pageSize is in the query string and answers 400 with the error message on bad values.',
      kind: 'code',
      files: ['src/users.js', 'src/server.js'],
      dependsOn: [],
      complexity: 'high',
      complexityReason: 'changes a function existing callers and tests rely on, and adds input validation',
      type: 'code',
    },
    {
      id: 'document-api',
      title: 'Document the users API',
      description: 'Create README.md describing GET /users (with the page and pageSize parameters and the response shape) and GET /users/:id.',
      kind: 'code',
      files: ['README.md'],
      dependsOn: [],
      complexity: 'low',
      complexityReason: 'one new documentation file',
      type: 'docs',
    },
    {
      id: 'test-pagination',
      title: 'Test pagination',
      description: 'Extend test/users.test.js: paging through all users (first page, last partial page, past the end) and RangeError for page 0, a fractional page and pageSize 101.',
      kind: 'test',
      files: ['test/users.test.js'],
      dependsOn: ['paginate-users'],
      complexity: 'medium',
      complexityReason: 'several cases, each a boundary',
      type: 'test',
    },
  ],
};

const BREAKING_PATCH = {
  summary: 'listUsers takes { page, pageSize } and returns one page',
  edits: [
    {
      kind: 'searchReplace',
      path: 'src/users.js',
      blocks: [
        {
          search: 'function listUsers() {\n  return users.slice();\n}\n',
          replace:
            'function listUsers({ page = 1, pageSize = 10 } = {}) {\n  const start = (page - 1) * pageSize;\n  return { items: users.slice(start, start + pageSize), page, pageSize, total: users.length };\n}\n',
        },
      ],
    },
  ],
};

const PAGINATION_PATCH = {
  summary: 'Add listUsersPage with validated page/pageSize and page GET /users when asked, keeping listUsers for existing callers',
  edits: [
    {
      kind: 'searchReplace',
      path: 'src/users.js',
      blocks: [
        {
          search: 'function listUsers() {\n  return users.slice();\n}\n',
          replace: [
            'const MAX_PAGE_SIZE = 100;',
            '',
            'function listUsers() {',
            '  return users.slice();',
            '}',
            '',
            '/** One page of users: page is 1-based, pageSize from 1 to MAX_PAGE_SIZE (default 10). */',
            'function listUsersPage({ page = 1, pageSize = 10 } = {}) {',
            "  if (!Number.isInteger(page) || page < 1) throw new RangeError('page must be an integer >= 1');",
            '  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {',
            '    throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);',
            '  }',
            '  const start = (page - 1) * pageSize;',
            '  return {',
            '    items: users.slice(start, start + pageSize),',
            '    page,',
            '    pageSize,',
            '    total: users.length,',
            '    totalPages: Math.ceil(users.length / pageSize),',
            '  };',
            '}',
            '',
          ].join('\n'),
        },
        { search: 'module.exports = { listUsers, getUser };', replace: 'module.exports = { listUsers, listUsersPage, getUser };' },
      ],
    },
    {
      kind: 'searchReplace',
      path: 'src/server.js',
      blocks: [
        { search: "const { listUsers, getUser } = require('./users');", replace: "const { listUsers, listUsersPage, getUser } = require('./users');" },
        {
          search: "  if (url.pathname === '/users') return send(res, 200, listUsers());\n",
          replace: [
            "  if (url.pathname === '/users') {",
            "    if (!url.searchParams.has('page') && !url.searchParams.has('pageSize')) return send(res, 200, listUsers());",
            '    try {',
            "      const page = Number(url.searchParams.get('page') ?? 1);",
            "      const pageSize = Number(url.searchParams.get('pageSize') ?? 10);",
            '      return send(res, 200, listUsersPage({ page, pageSize }));',
            '    } catch (err) {',
            '      return send(res, 400, { error: err.message });',
            '    }',
            '  }',
            '',
          ].join('\n'),
        },
      ],
    },
  ],
};

const TEST_PATCH = {
  summary: 'Test paging and parameter validation',
  edits: [
    {
      kind: 'searchReplace',
      path: 'test/users.test.js',
      blocks: [
        { search: "const { listUsers, getUser } = require('../src/users');", replace: "const { listUsers, listUsersPage, getUser } = require('../src/users');" },
        {
          search: "  assert.strictEqual(getUser(999), null);\n});\n",
          replace: [
            '  assert.strictEqual(getUser(999), null);',
            '});',
            '',
            "test('pages through users', () => {",
            '  const first = listUsersPage();',
            '  assert.deepStrictEqual(first.items.map((u) => u.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);',
            '  assert.strictEqual(first.total, 42);',
            '  assert.strictEqual(first.totalPages, 5);',
            '  const last = listUsersPage({ page: 5, pageSize: 10 });',
            '  assert.deepStrictEqual(last.items.map((u) => u.id), [41, 42]);',
            '  assert.strictEqual(listUsersPage({ page: 6 }).items.length, 0);',
            '});',
            '',
            "test('rejects bad page parameters', () => {",
            '  assert.throws(() => listUsersPage({ page: 0 }), RangeError);',
            '  assert.throws(() => listUsersPage({ page: 1.5 }), RangeError);',
            '  assert.throws(() => listUsersPage({ pageSize: 101 }), RangeError);',
            '});',
            '',
          ].join('\n'),
        },
      ],
    },
  ],
};

/** The first README leaves out what bad paging parameters do: the reviewers send it back. */
const README_DRAFT = {
  summary: 'Document GET /users and GET /users/:id',
  edits: [{ kind: 'create', path: 'README.md', content: '# users-service\n\nA small users API.\n\n## GET /users\n\nUsers, one page at a time with `page` and `pageSize`.\n\n## GET /users/:id\n\nOne user, or 404.\n' }],
};

const README_PATCH = {
  summary: 'Document GET /users (with paging) and GET /users/:id',
  edits: [
    {
      kind: 'create',
      path: 'README.md',
      content: [
        '# users-service',
        '',
        'A small users API.',
        '',
        '## GET /users',
        '',
        'Without parameters: every user, as an array.',
        '',
        'With `page` (1-based) and/or `pageSize` (1 to 100, default 10): one page,',
        '`{ items, page, pageSize, total, totalPages }`. Bad values answer 400 with `{ error }`.',
        '',
        '## GET /users/:id',
        '',
        'One user, or 404.',
        '',
      ].join('\n'),
    },
  ],
};

/** After the user sends README.md back from review: a revision on top of the file as it is on disk. */
const README_REVISED = {
  summary: 'Say what GET /users/:id answers for an id that is not a number',
  edits: [{ kind: 'searchReplace', path: 'README.md', blocks: [{ search: 'One user, or 404.\n', replace: 'One user; 404 when there is none, 400 when the id is not a number.\n' }] }],
};

/** The same revision when the user rejected the README outright: the file does not exist, so the author writes it whole. */
const README_REVISED_NEW = {
  summary: 'Document the users API, saying what GET /users/:id answers for an id that is not a number',
  edits: [{ kind: 'create', path: 'README.md', content: README_PATCH.edits[0]!.content.replace('One user, or 404.\n', 'One user; 404 when there is none, 400 when the id is not a number.\n') }],
};

function review(verdict: 'approve' | 'reject', score: number, summary: string, issues: { severity: string; file?: string; message: string }[] = []) {
  return { verdict, score, summary, issues };
}

/** The validator checks each requirement of the task it is shown, citing the patch and the check output. */
function validation(req: FakeRequest) {
  const task = /Task \(([a-z0-9-]+)\)/.exec(req.prompt)?.[1] ?? 'unknown';
  const checked = req.prompt.includes('passed') ? 'the check command passed' : 'no check command output';
  return {
    requirements: [
      { requirement: `the change ${task} asks for is made`, met: true, evidence: `the patch edits the files the task names; ${checked}` },
      { requirement: 'existing callers keep working', met: true, evidence: checked },
    ],
    verdict: 'approve',
    summary: `Every requirement of ${task} is met.`,
  };
}

/** The scripted answer for one request, by the role in its system prompt and the task in its prompt. */
export function sampleTeam(req: FakeRequest): FakeReply {
  const usage = { input: Math.ceil((req.system.length + req.prompt.length) / 4), output: 600 };
  if (req.system.includes('Role: planner')) return { json: SAMPLE_SPEC, usage };
  if (req.system.includes('Role: validator')) return { json: validation(req), usage };
  if (req.system.includes('Role: reviewer')) {
    if (req.prompt.includes('Task (paginate-users)'))
      return { json: review('approve', 0.88, 'Backward compatible: listUsers is unchanged and paging is opt-in; validation matches the task.', [{ severity: 'nit', file: 'src/server.js', message: 'a non-numeric page reaches listUsersPage as NaN; the RangeError covers it, but the message could name the query parameter' }]), usage };
    if (req.prompt.includes('Task (test-pagination)')) return { json: review('approve', 0.9, 'Covers the first, last and past-the-end pages and each validation rule.'), usage };
    if (!req.prompt.includes('answer 400'))
      return { json: review('reject', 0.35, 'The README does not say what the response looks like or what bad paging parameters do.', [{ severity: 'major', file: 'README.md', message: 'document the page response shape and that bad page/pageSize values answer 400' }]), usage };
    return { json: review('approve', 0.8, 'Accurate and short.'), usage };
  }
  if (req.system.includes('Role: coder') || req.system.includes('Role: tester')) {
    if (req.prompt.includes('Your task (paginate-users)')) return { json: req.prompt.includes('was rejected') ? PAGINATION_PATCH : BREAKING_PATCH, usage: { ...usage, output: 900 } };
    if (req.prompt.includes('Your task (test-pagination)')) return { json: TEST_PATCH, usage };
    if (req.prompt.includes('Your task (document-api)')) return { json: req.prompt.includes("The user's reasons") ? (req.prompt.includes('--- README.md (does not exist yet)') ? README_REVISED_NEW : README_REVISED) : req.prompt.includes('was rejected') ? README_PATCH : README_DRAFT, usage };
  }
  return { fault: 'http', status: 400, message: `the sample team has no answer for this request (${req.system.slice(0, 80)})` };
}

/** The sample team, each reply after `delayMs` (so parallel calls overlap, or a run lasts long enough to stop). */
export function pacedSampleTeam(delayMs: number): (req: FakeRequest) => FakeReply {
  return delayMs > 0 ? (req) => ({ ...sampleTeam(req), delayMs }) as FakeReply : sampleTeam;
}
