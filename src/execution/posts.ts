// What the sandbox posts, decoded into a typed union at the boundary. The runtime in the isolate is ours, but
// agent code runs beside it: anything it could make the runtime post is checked here, and a post of the wrong
// shape is `malformed` (the execution is then stopped as a security violation).

import type { PostType } from '../sandbox/index.js';

export type SandboxPost =
  /** A host call; `json` is its arguments as JSON text made in the sandbox ('undefined' for none). A timer is op `timer`. */
  | { type: 'call'; id: number; op: string; name: string; json: string }
  | { type: 'clear'; id: number }
  /** As the runtime sent them: events.ts checks and bounds them. */
  | { type: 'log'; level: unknown; message: unknown; data: unknown }
  | { type: 'progress'; event: unknown }
  | { type: 'logLimit' }
  /** The program returned: its result as JSON text, or nothing (undefined). */
  | { type: 'done'; json?: string }
  /** The program threw: the runtime's description (outcome.ts reads it). */
  | { type: 'fail'; thrown: unknown }
  | { type: 'tooLarge'; chars: number }
  | { type: 'diverged'; message: string }
  | { type: 'malformed'; what: string };

const MAX_NAME_CHARS = 1000;
const MAX_DIVERGED_CHARS = 500;

/** The post, or undefined for one to ignore (an unknown type, a clear of no timer). */
export function decodePost(type: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): SandboxPost | undefined {
  switch (type as PostType) {
    case 'call':
      if (typeof a !== 'number' || !Number.isSafeInteger(a) || typeof b !== 'string' || typeof c !== 'string' || c.length > MAX_NAME_CHARS || typeof d !== 'string') {
        return { type: 'malformed', what: 'malformed call' };
      }
      return { type: 'call', id: a, op: b, name: c, json: d };
    case 'clear': return typeof a === 'number' ? { type: 'clear', id: a } : undefined;
    case 'log': return { type: 'log', level: a, message: b, data: c };
    case 'progress': return { type: 'progress', event: a };
    case 'logLimit': return { type: 'logLimit' };
    case 'done':
      if (a !== undefined && typeof a !== 'string') return { type: 'malformed', what: 'a malformed result' };
      return a === undefined ? { type: 'done' } : { type: 'done', json: a };
    case 'fail': return { type: 'fail', thrown: a };
    case 'tooLarge': return { type: 'tooLarge', chars: typeof a === 'number' ? a : 0 };
    case 'diverged': return { type: 'diverged', message: typeof a === 'string' ? a.slice(0, MAX_DIVERGED_CHARS) : 'the sandbox reported a difference' };
    default: return undefined;
  }
}

/** A call's arguments from their JSON text; undefined when the text is not JSON (then the post is malformed). */
export function callArguments(json: string): { args: unknown } | undefined {
  if (json === 'undefined') return { args: undefined };
  try {
    return { args: JSON.parse(json) };
  } catch {
    return undefined;
  }
}
