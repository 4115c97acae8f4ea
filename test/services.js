// Tests that need a server (Redis, Postgres): where it is not installed they skip, saying so; under CI
// (CI=true), which installs them, a missing server fails the test instead of hiding what went untested.

import assert from 'node:assert/strict';

export const IN_CI = /^(?:true|1)$/i.test(process.env.CI ?? '');

/** Call when `what` is missing: skips the test `t` locally, fails it in CI. Returns nothing to `return` with. */
export function serviceMissing(t, what) {
  if (IN_CI) assert.fail(`${what} is not installed, and CI must run this test: install it (.ci/run does)`);
  t.skip(`${what} is not installed (CI installs it)`);
}
