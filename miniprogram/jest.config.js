module.exports = {
  testEnvironment: 'jsdom',
  setupFiles: ['<rootDir>/tests/setup.js'],
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  // The e2e spec needs a backend started by tests/test_miniprogram_e2e.py; it skips itself otherwise.
  testTimeout: 20000,
}
