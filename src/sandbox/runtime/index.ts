// The atp.* runtime inside each isolate, bundled into one script (see ../runtime-bundle.ts). Each new context
// evaluates the bundle (capturing the built-ins first) and calls atpSandboxRuntime once, before any agent code:
// it installs the globals, defines the program's entry point, and returns the host's entry points.
// It is a thin, deterministic marshaller: every decision about what a call may do is made on the host.

import { POST_GLOBAL, START_GLOBAL, TIMER, type SandboxRuntimeOptions, type SandboxSetup } from '../protocol.js';
import { ArrayProto, ObjectProto, apply, defineProperty, g, getOwnPropertyDescriptor, jsonParse, jsonStringify, promiseThen } from './intrinsics.js';
import { makeApi, placeClientTool } from './api.js';
import { answerCall, issuedCount, setCallLimits, waitingFor } from './calls.js';
import { clockOverflowed, clockReadingsWaiting, diverge, goLive, installClock, setupClock, takeClock } from './clock.js';
import { finish, setMaxResultChars } from './end.js';
import { installConsole, setLogLimits } from './logs.js';
import { connect, postedCount, recordedSince, setRecording, takeRecorded } from './post.js';
import { makeAtp } from './services.js';
import { fireTimer, installTimers } from './timers.js';

export function atpSandboxRuntime(apiTree: string[], options: SandboxRuntimeOptions): any {
  setCallLimits(options);
  setLogLimits({ maxLogChars: options.maxLogChars });
  // capabilities agent code never needs, and sources of nondeterminism that would break replay
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'WeakRef', 'FinalizationRegistry']) delete g[name];
  installClock(options.maxClockReadings);
  installTimers(options.maxTimers);
  installConsole();
  const api = makeApi(apiTree);
  defineProperty(g, 'api', { value: api, writable: true, configurable: true });
  defineProperty(g, 'atp', { value: makeAtp(api), writable: true, configurable: true });
  defineProperty(g, START_GLOBAL, {
    configurable: true,
    value: function start(settings: SandboxSetup, record: boolean, program: () => Promise<unknown>) {
      delete g[START_GLOBAL];
      connect(g[POST_GLOBAL]);
      delete g[POST_GLOBAL];
      setRecording(record);
      setup(api, settings);
      let result: any;
      try {
        result = program();
      } catch (error) {
        finish(false, error);
        return;
      }
      apply(promiseThen, result, [(value: unknown) => finish(true, value), (error: unknown) => finish(false, error)]);
    },
  });
  return { deliver, snapshot, postedOrSnapshot, waitingFor };
}

// ---- entry points for the host (never reachable from agent code) -------------------------------------------

function setup(api: any, s: SandboxSetup): void {
  setupClock(s);
  setLogLimits({ maxLogEntries: s.maxLogEntries });
  setMaxResultChars(s.maxResultChars);
  for (const tool of s.clientTools) placeClientTool(api, tool.namespace, tool.name);
}

/**
 * `text` is a JSON array of [call id, mode, value]: one parse for the whole batch, no structured clone.
 * `record`: the host runs this turn on its thread and takes what it posted when it ends.
 */
function deliver(text: string, live: boolean, record: boolean): void {
  setRecording(record);
  const batch: any[] = jsonParse(text);
  if (live) goLive();
  for (let i = 0; i < batch.length; i++) {
    const delivery = batch[i];
    const id = delivery[0];
    const mode = delivery[1];
    if (mode === TIMER) {
      fireTimer(id);
      continue;
    }
    if (!answerCall(id, mode, delivery[2])) {
      diverge(`an answer arrived for call #${id}, which the code has not made`);
      return;
    }
  }
}

function snapshot(): any {
  return { issued: issuedCount(), posted: postedCount(), clock: takeClock(), clockOverflow: clockOverflowed() };
}

/**
 * For the host's thread, after each inline turn: a bare number (no copy of an object) when the turn posted
 * nothing and did not read the clock; else snapshot() with the turn's posts, in order, as JSON text, which
 * copies in a fraction of the time an object takes. Should agent code have given the prototypes a toJSON,
 * which JSON.stringify would call, the object itself is copied instead.
 */
function postedOrSnapshot(): any {
  if (recordedSince() === 0 && !clockReadingsWaiting()) return postedCount();
  const { posts, postCount } = takeRecorded();
  const answer = { issued: issuedCount(), posted: postedCount(), clock: takeClock(), clockOverflow: clockOverflowed(), posts, postCount };
  return getOwnPropertyDescriptor(ObjectProto, 'toJSON') || getOwnPropertyDescriptor(ArrayProto, 'toJSON') ? answer : jsonStringify(answer);
}
