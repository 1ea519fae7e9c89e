// The crash suite (test/crash): the built server as child processes, killed with SIGKILL.
// Not part of `npm test`; run `npm run test:crash` (builds first, runs in band).
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'crash',
  rootDir: 'test',
  testRegex: '\\.crash-spec\\.ts$',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 180_000,
};
