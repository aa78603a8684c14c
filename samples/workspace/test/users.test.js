'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { listUsers, getUser } = require('../src/users');

test('lists every user', () => {
  assert.strictEqual(listUsers().length, 42);
});

test('finds a user by id', () => {
  assert.strictEqual(getUser(7).name, 'User 7');
  assert.strictEqual(getUser(999), null);
});
