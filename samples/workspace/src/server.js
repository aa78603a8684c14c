'use strict';
const http = require('node:http');
const { listUsers, getUser } = require('./users');

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const match = /^\/users\/(\d+)$/.exec(url.pathname);
  if (url.pathname === '/users') return send(res, 200, listUsers());
  if (match) {
    const user = getUser(Number(match[1]));
    return user ? send(res, 200, user) : send(res, 404, { error: 'not found' });
  }
  send(res, 404, { error: 'not found' });
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

if (require.main === module) http.createServer(handle).listen(3000);
module.exports = { handle };
