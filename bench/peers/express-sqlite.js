// What people write: Express 5, express.json(), better-sqlite3 in WAL mode with
// synchronous=NORMAL, one insert per request. Started by bench/webhook.bench.ts
// with PORT, WEBHOOK_TOKEN and DB_FILE.
'use strict';
const express = require('express');
const Database = require('better-sqlite3');

const db = new Database(process.env.DB_FILE);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`create table if not exists messages (
  id integer primary key, key text not null unique, from_user text not null,
  text text not null, time_stamp integer not null, received_at integer not null, raw text not null)`);
const insert = db.prepare(
  'insert into messages (key, from_user, text, time_stamp, received_at, raw) values (?, ?, ?, ?, ?, ?) on conflict (key) do nothing',
);
const expected = `Basic ${Buffer.from(process.env.WEBHOOK_TOKEN).toString('base64')}`;

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/message/forward', (req, res) => {
  if (req.get('authentication') !== expected) {
    res.status(401).json({ code: 'UNAUTHORIZED' });
    return;
  }
  const body = req.body;
  if (typeof body?.key !== 'string' || typeof body.from !== 'string') {
    res.status(400).json({ code: 'INVALID_PAYLOAD' });
    return;
  }
  const result = insert.run(
    body.key,
    body.from,
    String(body.message ?? ''),
    Number(body.timeStamp),
    Date.now(),
    JSON.stringify(body),
  );
  res.json({ status: result.changes === 1 ? 'accepted' : 'duplicate', key: body.key });
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
