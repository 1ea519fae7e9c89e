// The browser suite (test/browser): the app in-process on 127.0.0.1, driven by headless
// Chromium through playwright-core. Not part of `npm test`; run `npm run test:browser`
// (needs /usr/bin/chromium: `apt-get install chromium`, which .ci/run does when it is missing).
const common = require('./jest.common');

/** @type {import('jest').Config} */
module.exports = {
  ...common,
  displayName: 'browser',
  rootDir: 'test',
  testRegex: '\\.browser-spec\\.ts$',
  testTimeout: 120_000,
};
