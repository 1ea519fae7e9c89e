// The crash suite (test/crash): the built server as child processes, killed with SIGKILL.
// Not part of `npm test`; run `npm run test:crash` (builds first, runs in band).
const common = require('./jest.common');

/** @type {import('jest').Config} */
module.exports = {
  ...common,
  displayName: 'crash',
  rootDir: 'test',
  testRegex: '\\.crash-spec\\.ts$',
  testTimeout: 180_000,
};
