// Time and randomness, journaled so another instance can replay the same program: every Date reading is
// recorded (or, while replaying, served from the journal), and Math.random is seeded by the host.

import type { SandboxSetup } from '../protocol.js';
import { DateProto, MathImul, NativeDate, apply, construct, dateNow, dateParse, dateToString, dateUTC, defineProperty, g, table } from './intrinsics.js';
import { post } from './post.js';

let maxReadings = 0;
/** False while replaying: the program repeats what it did, and nothing it does reaches the client. */
let live = true;
let replayClock: number[] | null = null;
let replayIndex = 0;
let clockLog: any = table();
let clockLogCount = 0;
let clockTotal = 0;
let clockOverflow = false;
let diverged = false;

export function isLive(): boolean {
  return live;
}

/** Tells the host the program does not do what it did when it first ran (once). */
export function diverge(message: string): void {
  if (diverged) return;
  diverged = true;
  post('diverged', message);
}

function now(): number {
  if (replayClock !== null && replayIndex < replayClock.length) return replayClock[replayIndex++];
  if (!live) diverge('the code read the clock more often than when it first ran');
  const t: number = apply(dateNow, NativeDate, []);
  if (clockTotal < maxReadings) {
    clockLog[clockLogCount++] = t;
    clockTotal++;
  } else clockOverflow = true;
  return t;
}

// xoshiro128** seeded by the host: Math.random replays identically from the journaled seed.
let s0 = 1, s1 = 2, s2 = 3, s3 = 4;
const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
function next32(): number {
  const result = MathImul(rotl(MathImul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
  return result;
}

/** Replaces Date and Math.random in this context; `maxClockReadings` bounds the readings journaled. */
export function installClock(maxClockReadings: number): void {
  maxReadings = maxClockReadings;
  function DateShim(this: any, ...args: any[]): any {
    if (new.target === undefined) return apply(dateToString, new NativeDate(now()), []);
    return construct(NativeDate, args.length === 0 ? [now()] : args, new.target);
  }
  defineProperty(DateShim, 'prototype', { value: DateProto, writable: false });
  defineProperty(DateShim, 'now', { value: function now_() { return now(); }, writable: true, configurable: true });
  defineProperty(DateShim, 'parse', { value: dateParse, writable: true, configurable: true });
  defineProperty(DateShim, 'UTC', { value: dateUTC, writable: true, configurable: true });
  defineProperty(DateShim, 'name', { value: 'Date' });
  defineProperty(DateProto, 'constructor', { value: DateShim, writable: true, configurable: true });
  defineProperty(g, 'Date', { value: DateShim, writable: true, configurable: true });
  defineProperty(Math, 'random', {
    value: function random() { return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992; },
    writable: true, configurable: true,
  });
}

/** The execution's seed, and the journal's clock readings when it is replayed. */
export function setupClock(s: SandboxSetup): void {
  s0 = s.seed[0] | 0; s1 = s.seed[1] | 0; s2 = s.seed[2] | 0; s3 = s.seed[3] | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  if (s.replayClock !== null) {
    live = false;
    replayClock = s.replayClock;
    clockTotal = s.replayClock.length; // the bound counts readings over the whole execution
  }
}

/** The replay is over: from this turn on, the program runs live. */
export function goLive(): void {
  if (live) return;
  if (replayClock !== null && replayIndex < replayClock.length) diverge('the code read the clock fewer times than when it first ran');
  replayClock = null;
  live = true;
}

/** The clock readings made since they were last taken. */
export function takeClock(): number[] {
  const clock: number[] = [];
  for (let i = 0; i < clockLogCount; i++) clock[i] = clockLog[i];
  clockLog = table();
  clockLogCount = 0;
  return clock;
}

export function clockReadingsWaiting(): boolean {
  return clockLogCount !== 0 || clockOverflow;
}

export function clockOverflowed(): boolean {
  return clockOverflow;
}
