'use strict';
// An in-memory users API, as a route handler would call it.

const users = Array.from({ length: 42 }, (_, i) => ({
  id: i + 1,
  name: `User ${i + 1}`,
  email: `user${i + 1}@example.com`,
}));

function listUsers() {
  return users.slice();
}

function getUser(id) {
  return users.find((u) => u.id === id) ?? null;
}

module.exports = { listUsers, getUser };
