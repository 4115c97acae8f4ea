// Host calls: each made as a post with an id, answered by a delivery in a later turn. Server calls (api,
// cache) are throttled here; client callbacks (llm, approval, embedding, client tools) are bounded in number.

import { OK, OK_UNDEFINED } from '../protocol.js';
import {
  ErrorCtor, PromiseCtor, RangeErrorCtor, TypeErrorCtor, WeakSetCtor, apply, captureStackTrace, jsonStringify,
  promiseReject, safeString, slice, stringIndexOf, table, weakSetAdd, weakSetHas,
} from './intrinsics.js';
import { jsonProblem } from './plain-data.js';
import { post } from './post.js';

let maxInFlight = 0;
let maxPendingCallbacks = 0;
let nextId = 0;
let issued = 0;
let inFlight = 0;
let pendingCallbacks = 0;
const pending: any = table();
const waiting: any = table();
let waitHead = 0, waitTail = 0;

/** Errors that came from the host: what the program threw is told apart by where it came from. */
const toolErrors = new WeakSetCtor();
const callbackErrors = new WeakSetCtor();

export function setCallLimits(options: { maxInFlight: number; maxPendingCallbacks: number }): void {
  maxInFlight = options.maxInFlight;
  maxPendingCallbacks = options.maxPendingCallbacks;
}

/** Ids are shared by calls and timers: the host journals both in one order. */
export function newCallId(): number {
  return ++nextId;
}

/** Counts a call posted to the host (a timer's arming is one). */
export function countIssued(): void {
  issued++;
}

export function issuedCount(): number {
  return issued;
}

/** `json`: the arguments as JSON text, made when the call was made (a later change to them is not sent). */
function send(id: number, op: string, name: string, json: string): void {
  post('call', id, op, name, json);
  issued++;
}

function pump(): void {
  while (waitHead < waitTail && inFlight < maxInFlight) {
    const id = waiting[waitHead];
    delete waiting[waitHead++];
    const entry = pending[id];
    if (!entry) continue;
    inFlight++;
    send(id, entry.op, entry.name, entry.json);
    entry.json = undefined;
  }
}

/** Starts one host call; `throttled` calls are server work, the others wait for the client. */
export function hostCall(op: string, name: string, label: string, args: unknown, throttled: boolean, transform?: (v: any) => any): Promise<any> {
  const problem = jsonProblem(args, 'the argument', table(), 0);
  if (problem !== null) return promiseReject(new TypeErrorCtor(`${label}: ${problem}`));
  // a Proxy passes jsonProblem with the answers of its traps; they run here, in the sandbox, and what the host
  // gets is the JSON text they made
  let json: string;
  try {
    json = args === undefined ? 'undefined' : jsonStringify(args);
  } catch (error) {
    return promiseReject(new TypeErrorCtor(`${label}: the argument could not be turned into JSON (${safeString((error as any)?.message)}); pass plain JSON data`));
  }
  if (!throttled && pendingCallbacks >= maxPendingCallbacks) {
    return promiseReject(new RangeErrorCtor(`${label}: more than ${maxPendingCallbacks} client callbacks pending at once`));
  }
  return new PromiseCtor((resolve: any, reject: any) => {
    const id = ++nextId;
    const site: any = {};
    captureStackTrace(site);
    const entry: any = { op, name, label, site, resolve, reject, transform, json: undefined, settled: undefined };
    pending[id] = entry;
    if (throttled) {
      entry.settled = () => { inFlight--; pump(); };
      if (inFlight < maxInFlight) {
        inFlight++;
        send(id, op, name, json);
      } else {
        entry.json = json;
        waiting[waitTail++] = id;
      }
    } else {
      pendingCallbacks++;
      entry.settled = () => { pendingCallbacks--; };
      send(id, op, name, json);
    }
  });
}

/** A delivery for call `id` settles it (OK, OK_UNDEFINED, else an error); false if the code never made that call. */
export function answerCall(id: number, mode: number, payload: unknown): boolean {
  const entry = pending[id];
  if (!entry) return false;
  delete pending[id];
  entry.settled();
  if (mode === OK || mode === OK_UNDEFINED) {
    let value: any = mode === OK ? payload : undefined;
    try {
      if (entry.transform) value = entry.transform(value);
    } catch (error) {
      entry.reject(error);
      return true;
    }
    entry.resolve(value);
  } else {
    entry.reject(errorFrom(payload, entry));
  }
  return true;
}

function errorFrom(payload: any, entry: any): any {
  const info = payload && typeof payload === 'object' ? payload : { message: safeString(payload) };
  const error: any = new ErrorCtor(typeof info.message === 'string' ? info.message : 'the call failed');
  if (typeof info.status === 'number') error.status = info.status;
  if (typeof info.code === 'string') error.code = info.code;
  if (typeof info.retryable === 'boolean') error.retryable = info.retryable;
  if (typeof info.authorizationUrl === 'string') error.authorizationUrl = info.authorizationUrl;
  apply(weakSetAdd, info.callback ? callbackErrors : toolErrors, [error]);
  try {
    const frames = safeString(entry.site.stack);
    const cut = apply(stringIndexOf, frames, ['\n']);
    error.stack = `Error: ${error.message}${cut >= 0 ? slice(frames, cut) : ''}`;
  } catch {}
  return error;
}

/** Where an error the program threw came from: a tool call, a client callback, or neither. */
export function hostErrorKind(error: object): 'ToolError' | 'CallbackError' | undefined {
  if (apply(weakSetHas, toolErrors, [error])) return 'ToolError';
  if (apply(weakSetHas, callbackErrors, [error])) return 'CallbackError';
  return undefined;
}

/** The oldest call still unanswered, and where the code made it: what an idle program is waiting for. */
export function waitingFor(): any {
  for (const id in pending) {
    const entry = pending[id];
    let stack = '';
    try { stack = safeString(entry.site.stack); } catch {}
    return { label: entry.label, stack };
  }
  return null;
}
