// The platform's limit: node:http, parse the JSON body, check the Basic token, answer.
// Stores nothing. Started by bench/webhook.bench.ts with PORT and WEBHOOK_TOKEN.
'use strict';
const http = require('node:http');

const expected = `Basic ${Buffer.from(process.env.WEBHOOK_TOKEN).toString('base64')}`;

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authentication !== expected) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHORIZED"}');
        return;
      }
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"MALFORMED"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 'accepted', key: body.key }));
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
