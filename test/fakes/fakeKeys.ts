// API keys for tests, benches and the e2e: fake, one per vendor so a test can tell which one a request
// carried, and shaped like no real key, so secret scanners do not mistake them for leaked ones.
export const FAKE_KEYS = { anthropic: 'fake-anthropic-key-for-tests', openai: 'fake-openai-key-for-tests', gemini: 'fake-gemini-key-for-tests' } as const;

/** Matches any of FAKE_KEYS: for asserting that no key reached an error, a log or a file. */
export const FAKE_KEY_PATTERN = /fake-(anthropic|openai|gemini)-key-for-tests/;
