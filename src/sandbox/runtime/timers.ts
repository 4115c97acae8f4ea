// Timers: arming and firing go through the host, so a replay delivers them in the same order as the first run.

import { MathMax, MathMin, NumberCtor, ObjectKeys, RangeErrorCtor, TypeErrorCtor, apply, defineProperty, g, promiseResolve, promiseThen, table } from './intrinsics.js';
import { countIssued, newCallId } from './calls.js';
import { finish } from './end.js';
import { post } from './post.js';

let maxTimers = 0;
const timers: any = table();
let timerCount = 0;

function addTimer(fn: unknown, delay: unknown, args: any[], repeat: boolean): number {
  if (typeof fn !== 'function') throw new TypeErrorCtor('the callback must be a function');
  if (timerCount >= maxTimers) throw new RangeErrorCtor(`more than ${maxTimers} timers pending at once`);
  const ms = MathMin(MathMax(NumberCtor(delay) || 0, repeat ? 1 : 0), 2147483647);
  const id = newCallId();
  timers[id] = { fn, args, repeat };
  timerCount++;
  post('call', id, 'timer', '', `{"delay":${ms},"repeat":${repeat ? 'true' : 'false'}}`);
  countIssued();
  return id;
}

function clearTimer(id: unknown): void {
  if (typeof id !== 'number' || !timers[id]) return;
  delete timers[id];
  timerCount--;
  post('clear', id);
}

/** The host says timer `id` is due. */
export function fireTimer(id: number): void {
  const timer = timers[id];
  if (!timer) return;
  if (!timer.repeat) {
    delete timers[id];
    timerCount--;
  }
  try {
    apply(timer.fn, undefined, timer.args);
  } catch (error) {
    finish(false, error);
  }
}

/** setTimeout, setInterval, their clears and queueMicrotask, as globals of this context. */
export function installTimers(limit: number): void {
  maxTimers = limit;
  const timerGlobals: any = {
    setTimeout: (fn: unknown, delay?: unknown, ...args: any[]) => addTimer(fn, delay, args, false),
    setInterval: (fn: unknown, delay?: unknown, ...args: any[]) => addTimer(fn, delay, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    queueMicrotask: (fn: unknown) => {
      if (typeof fn !== 'function') throw new TypeErrorCtor('the callback must be a function');
      apply(promiseThen, promiseResolve(), [fn]);
    },
  };
  for (const key of ObjectKeys(timerGlobals)) defineProperty(g, key, { value: timerGlobals[key], writable: true, configurable: true });
}
