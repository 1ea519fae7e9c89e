// `npm run test:pg`: the e2e suites again, on PostgreSQL (test/support/store.ts).
// Suites about SQLite itself, or about the service as a process with its own
// store, run on SQLite only; the reasons are printed at the start of the run.
const common = require('./jest.common');

const SQLITE_ONLY = {
  'store-failures':
    "another process's lock on the SQLite file, and SQLite's page limit (test/pg/ has PostgreSQL's failures)",
  process: 'the entry point as a child process on its default store (SQLite under DATA_DIR)',
  shutdown: 'reads the SQLite file the child process leaves behind',
  hermetic: 'about which .env is read, not about the store',
};

/** @type {import('jest').Config} */
module.exports = {
  ...common,
  displayName: 'e2e-pg',
  rootDir: 'test',
  // test/pg/*.pg-spec.ts: what only a PostgreSQL (or several instances on one) can show.
  testRegex: ['\\.e2e-spec\\.ts$', '/pg/[^/]+\\.pg-spec\\.ts$'],
  // Only test/'s own suites of those names: test/pg/ may have suites of the same name.
  testPathIgnorePatterns: Object.keys(SQLITE_ONLY).map(
    (name) => `<rootDir>/${name}\\.e2e-spec\\.ts$`,
  ),
  globalSetup: '<rootDir>/support/postgres-setup.ts',
  globalTeardown: '<rootDir>/support/postgres-teardown.ts',
  testTimeout: 30_000,
};

for (const [name, reason] of Object.entries(SQLITE_ONLY)) {
  process.stdout.write(`test:pg leaves out ${name}.e2e-spec.ts (SQLite only): ${reason}\n`);
}
