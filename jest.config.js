// Unit specs sit beside their source; e2e suites boot the app and live in test/
// (test/pg/ holds the suites about PostgreSQL itself: `npm run test:pg` only).
const common = require('./jest.common');

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', rootDir: 'src', testRegex: '\\.spec\\.ts$' },
    {
      ...common,
      displayName: 'e2e',
      rootDir: 'test',
      testRegex: '\\.e2e-spec\\.ts$',
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/pg/'],
    },
  ],
};
