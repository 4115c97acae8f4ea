// The messages between the host and the runtime in each isolate, declared once: the runtime (bundled from
// runtime/) and the host (sandbox.ts, src/execution) both import them. Nothing here may import anything: it
// is bundled into the isolate's script.

// ---- into the sandbox: a turn is a JSON array of deliveries [call id, mode, payload?] ----------------------

/** A call's result, as JSON text. */
export const OK = 0;
/** A call's failure: {message, code?, status?, retryable?, authorizationUrl?, callback?}. */
export const ERR = 1;
/** A timer the code armed fires (no payload). */
export const TIMER = 2;
/** Only on the wire into the sandbox: OK with no value (undefined is not JSON). */
export const OK_UNDEFINED = 3;

/** [call id, OK/ERR/TIMER, JSON text of the result | error object | nothing]. */
export type Delivery = [id: number, mode: number, payload?: unknown];

// ---- out of the sandbox: posts [type, a?, b?, c?, d?] ------------------------------------------------------

/**
 * What the runtime posts, with its arguments. `call` carries the arguments as JSON text made in the sandbox
 * when the code made the call ('undefined' for none); a timer is a call of op `timer` with {delay, repeat}.
 */
export interface PostArguments {
  call: [id: number, op: string, name: string, json: string];
  clear: [id: number];
  log: [level: string, message: string, data?: string];
  progress: [event: { message: string; fraction?: number; current?: number; total?: number }];
  logLimit: [];
  done: [json?: string];
  fail: [error: ThrownDescription];
  tooLarge: [chars: number];
  diverged: [message: string];
}
export type PostType = keyof PostArguments;

/** How the runtime describes what the program threw (or the result it could not send). */
export interface ThrownDescription {
  kind: 'Thrown' | 'Error' | 'ToolError' | 'CallbackError' | 'TypeError' | 'ReferenceError' | 'SyntaxError' | 'RangeError' | 'Result';
  name: string;
  message: string;
  stack: string;
  status?: number;
  code?: string;
  retryable?: boolean;
  authorizationUrl?: string;
}

// ---- the runtime's entry points ---------------------------------------------------------------------------

/** The global the transpiled program starts with: `__atp_start(settings, record, async () => { … })`. */
export const START_GLOBAL = '__atp_start';
/** The host's callback, set as a global before the program starts; the runtime takes it and deletes it. */
export const POST_GLOBAL = '__atp_post';
/** The api.* tree (api-tree.ts), set as a global before the bootstrap runs; the bootstrap takes it. */
export const API_GLOBAL = '__atp_api';
/** What the bootstrap returns, in the order the host keeps their References. */
export const RUNTIME_EXPORTS = ['deliver', 'snapshot', 'postedOrSnapshot', 'waitingFor'] as const;

/** Bounds the runtime keeps on its own, per isolate. */
export interface SandboxRuntimeOptions {
  /** Server calls (api, cache) in flight at once; further calls wait inside the sandbox. */
  maxInFlight: number;
  /** Client callbacks (llm, approval, embedding, client tools) pending at once. */
  maxPendingCallbacks: number;
  maxTimers: number;
  maxLogChars: number;
  /** Clock readings journaled for replay; beyond this the execution can only resume in place. */
  maxClockReadings: number;
}

/** An execution's settings, handed over as the program starts. */
export interface SandboxSetup {
  clientTools: { namespace: string; name: string }[];
  seed: number[];
  /** Clock readings to serve, in order, while replaying; null when running live. */
  replayClock: number[] | null;
  maxLogEntries: number;
  maxResultChars: number;
}

/** What `snapshot` answers: calls issued and posts made in all, and the clock readings since the last one. */
export interface SnapshotData { issued: number; posted: number; clock: number[]; clockOverflow: boolean }

/** What `postedOrSnapshot` answers after a turn that posted (as JSON text, mostly): the posts are [type, a?, b?, c?, d?]. */
export interface RecordedTurn extends SnapshotData { posts: Record<number, unknown[]>; postCount: number }

/** What `waitingFor` answers: the oldest unanswered call of an idle program, and where the code made it. */
export interface WaitingFor { label: string; stack: string }
