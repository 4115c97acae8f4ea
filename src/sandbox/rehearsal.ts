// A rehearsal: one small program run through the runtime in a throwaway isolate at start-up, so that the
// runtime's code cache holds the functions an execution needs. V8 compiles a function when it is first
// called, and a code cache taken at compile time holds only the outer ones: without this, every fresh
// isolate compiled the rest again during its first execution, on the event loop (about 0.5 ms per
// execution here; bench/sandbox-latency.js). The cache is taken after the rehearsal, from the same isolate,
// and carries those functions. If anything goes wrong, the compile-time cache stays: it only costs time.

import type { RuntimeBootstrap, Sandbox } from './sandbox.js';
import { ERR, OK, type SandboxSetup } from './protocol.js';
import { transpile } from './transpile.js';

const BUDGET_MS = 1000;
const SETUP: SandboxSetup = { clientTools: [], seed: [1, 2, 3, 4], replayClock: null, maxLogEntries: 10, maxResultChars: 10_000 };

/** What an ordinary program does: calls one by one and at once, a failed call caught, a log line, time, randomness. */
function program(apiIds: string[]): string {
  const api = apiIds.length > 0 ? `await api.${apiIds[0]}({ id: 1 }).catch(() => null);` : '';
  return `const first = await atp.cache.get('rehearsal');
let failed = '';
try { await atp.cache.get('fails'); } catch (error) { failed = error.message; }
const both = await Promise.all([atp.cache.get('a'), atp.cache.has('b')]);
${api}
atp.log.info('rehearsal', { first, failed, both });
atp.progress.report({ message: 'rehearsal', fraction: 1 });
return { first, failed, both, at: new Date().toISOString(), random: Math.random() };`;
}

/**
 * Rehearses in `sandbox` (which is no good for an execution afterwards) and, if the program ran to its end,
 * replaces the bootstrap's code cache with one taken after it. Resolves true if it did.
 */
export async function rehearse(sandbox: Sandbox, bootstrap: RuntimeBootstrap, apiIds: string[]): Promise<boolean> {
  const calls: { id: number; failing: boolean }[] = [];
  let ended: 'done' | 'failed' | undefined;
  sandbox.listen((type, a, _b, _c, d) => {
    if (type === 'call') calls.push({ id: a as number, failing: String(d).includes('fails') }); // d: the arguments' JSON
    else if (type === 'done') ended = 'done';
    else if (type === 'fail' || type === 'diverged' || type === 'tooLarge') ended = 'failed';
  });
  if (sandbox.startSync(SETUP, transpile(program(apiIds)).script, BUDGET_MS)) return false;
  // after each turn, as an execution does: the runtime's side of it gets compiled too, and the posts arrive
  sandbox.postsAndClockSync();
  sandbox.dispatchRecorded();
  const deadline = performance.now() + BUDGET_MS;
  while (!ended && performance.now() < deadline) {
    if (calls.length === 0) {
      await new Promise((resolve) => setImmediate(resolve)); // a program that posts nothing more: until the deadline
      continue;
    }
    const answers = calls.splice(0).map(({ id, failing }) => (failing ? `[${id},${ERR},{"message":"rehearsed failure"}]` : `[${id},${OK},{"rehearsal":true}]`));
    if (sandbox.deliverSync(`[${answers.join(',')}]`, true, BUDGET_MS)) return false;
    sandbox.postsAndClockSync();
    sandbox.dispatchRecorded();
  }
  if (ended !== 'done') return false;
  bootstrap.cachedData = sandbox.runtimeCodeCache(bootstrap);
  return true;
}
