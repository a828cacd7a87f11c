// An unhandled rejection or uncaught exception anywhere in a test file fails the run:
// "never crashes, never leaks a rejection" is part of what the suites assert.
process.on('unhandledRejection', (reason) => {
  console.error('Unhandled rejection in test process:', reason);
  process.exitCode = 1;
  throw reason;
});
