// Tests that restart a broker or close every connection to it: one file at a time, one test at a time,
// after the main suite, so they never disturb other tests.
export default {
  files: ['test/disruptive/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '180s',
  concurrency: 1,
  serial: true,
};
