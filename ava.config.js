// Main suite: every test file except the disruptive ones (broker restarts), which run alone afterwards
// (ava.disruptive.config.js). `npm test` runs both.
export default {
  files: ['test/**/*.test.ts', '!test/disruptive/**'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '90s',
  concurrency: 4,
};
