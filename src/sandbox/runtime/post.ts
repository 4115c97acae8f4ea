// Everything the runtime tells the host goes through post(), counted: the host knows from a snapshot when all
// of it has arrived.

import type { PostArguments, PostType } from '../protocol.js';
import { table } from './intrinsics.js';

/** The host's callback: set as a global by the host after the bootstrap ran, taken when the program starts. */
let postToHost: (...args: any[]) => void;
let posted = 0;
/**
 * In a turn the host runs on its own thread and waits for, posts are kept here and the host takes them all
 * in one copy when the turn ends (postedOrSnapshot): no call back into the host's isolate per post.
 * Otherwise each post reaches the host's event loop on its own. What a post carries is data made by this
 * runtime (the arguments of a call are already JSON text), so keeping it until the turn ends is safe. The
 * store has no prototype: a setter agent code puts on Array.prototype cannot see or drop a post.
 */
let recording = false;
let recorded: any = table();
let recordedCount = 0;

export function post<T extends PostType>(type: T, ...args: PostArguments[T]): void;
export function post(type: string, a?: any, b?: any, c?: any, d?: any): void {
  if (recording) {
    // trailing undefined values are left out: they read as undefined on the host, not as JSON's null
    recorded[recordedCount++] = d !== undefined ? [type, a, b, c, d] : c !== undefined ? [type, a, b, c] : b !== undefined ? [type, a, b] : a !== undefined ? [type, a] : [type];
  } else {
    postToHost(type, a, b, c, d);
  }
  posted++;
}

export function connect(callback: (...args: any[]) => void): void {
  postToHost = callback;
}

/** `record`: the host runs the coming turn on its thread and takes what it posted when it ends. */
export function setRecording(record: boolean): void {
  recording = record;
}

export function postedCount(): number {
  return posted;
}

export function recordedSince(): number {
  return recordedCount;
}

/** The posts kept since they were last taken, in order. */
export function takeRecorded(): { posts: any; postCount: number } {
  const taken = { posts: recorded, postCount: recordedCount };
  recorded = table();
  recordedCount = 0;
  return taken;
}
