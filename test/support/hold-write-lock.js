// Holds SQLite's write lock on the file given as argv[2] until SIGTERM, as
// another program writing to the store would. Used by store-failures.e2e-spec.ts.
'use strict';
const Database = require('better-sqlite3');

const db = new Database(process.argv[2]);
db.exec('begin immediate');
process.stdout.write('locked\n');
process.on('SIGTERM', () => {
  db.exec('rollback');
  db.close();
  process.exit(0);
});
setInterval(() => {}, 1000);
