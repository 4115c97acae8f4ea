// Everything that entered the sandbox, in the order it entered: the calls the code made (to check a replay
// makes the same ones), each turn's deliveries (results, errors, timer firings) and the clock readings.
// Only what accumulated since the last pause is kept here; older parts are segments in the state store.

import { createHash } from 'node:crypto';
import { ERR, OK, OK_UNDEFINED, TIMER, type Delivery } from '../sandbox/index.js';

export { ERR, OK, TIMER, type Delivery };
/** [call id, operation, function id, hash of the arguments' JSON]. */
export type CallRecord = [id: number, op: string, name: string, hash: string];

export interface Segment { calls: CallRecord[]; turns: Delivery[][]; clock: number[] }

/** Above this a journal is not kept for replay: the execution can still resume on the instance that holds it. */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/**
 * Kept in columns rather than as a small array per call and per delivery: an execution holds its journal
 * until it ends, so on a loop of calls that retention is what the host's young-generation GC has to copy.
 * As arrays it was about 520 bytes a call, and scavenges of 5 MB of survivors took 10 ms of the event loop.
 */
export class Journal {
  private callIds: number[] = [];
  private callOps: string[] = [];
  private callNames: string[] = [];
  /** The arguments' JSON, hashed only when a pause writes them. */
  private callArgs: string[] = [];
  /** The deliveries of every turn, one after another; turn i's end where turnEnds[i] says. */
  private deliveryIds: number[] = [];
  private deliveryModes: number[] = [];
  private payloads: unknown[] = [];
  private turnEnds: number[] = [];
  private clock: number[] = [];
  /** One copy of each function name, however many calls (the names come parsed from each post). */
  private readonly names = new Map<string, string>();
  private bytes = 0;
  /** Why this execution cannot be replayed elsewhere, if it cannot. */
  issue?: string;

  recordCall(id: number, op: string, name: string, argsJson: string): void {
    let shared = this.names.get(name);
    if (shared === undefined) this.names.set(name, (shared = name));
    this.callIds.push(id);
    this.callOps.push(op);
    this.callNames.push(shared);
    this.callArgs.push(argsJson);
    this.grow(48 + name.length + argsJson.length);
  }

  recordTurn(batch: Delivery[]): void {
    let size = 16;
    for (const delivery of batch) {
      this.deliveryIds.push(delivery[0]);
      this.deliveryModes.push(delivery[1]);
      this.payloads.push(delivery[2]);
      size += 16 + (typeof delivery[2] === 'string' ? delivery[2].length : delivery[2] === undefined ? 0 : 256);
    }
    this.turnEnds.push(this.deliveryIds.length);
    this.grow(size);
  }

  addClock(readings: number[], overflow: boolean): void {
    for (const reading of readings) this.clock.push(reading);
    this.grow(readings.length * 8);
    if (overflow) this.issue ??= 'the code read the clock too many times to be replayed';
  }

  /** What accumulated since the last pause, as a segment, kept here too (a replay on this instance reads it). */
  currentSegment(): Segment {
    const calls: CallRecord[] = this.callIds.map((id, i) => [id, this.callOps[i], this.callNames[i], argsHash(this.callArgs[i])]);
    const turns: Delivery[][] = [];
    let start = 0;
    for (const end of this.turnEnds) {
      const batch: Delivery[] = [];
      for (let i = start; i < end; i++) {
        // [id, mode] when there is no payload (a timer, an undefined result), as the turn was delivered
        const payload = this.payloads[i];
        batch.push(payload === undefined ? [this.deliveryIds[i], this.deliveryModes[i]] : [this.deliveryIds[i], this.deliveryModes[i], payload]);
      }
      turns.push(batch);
      start = end;
    }
    return { calls, turns, clock: [...this.clock] };
  }

  /** Hands over what accumulated since the last pause, to be written as one segment. */
  takeSegment(): Segment {
    const segment = this.currentSegment();
    this.callIds = [];
    this.callOps = [];
    this.callNames = [];
    this.callArgs = [];
    this.deliveryIds = [];
    this.deliveryModes = [];
    this.payloads = [];
    this.turnEnds = [];
    this.clock = [];
    return segment;
  }

  private grow(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > MAX_JOURNAL_BYTES) this.issue ??= `its journal grew past ${MAX_JOURNAL_BYTES / 1024 / 1024} MB`;
  }
}

/** A turn as the sandbox reads it: one JSON text, results embedded as they are (they are JSON already). */
export function encodeTurn(batch: Delivery[]): string {
  const parts: string[] = [];
  for (const [id, mode, payload] of batch) {
    if (mode === TIMER) parts.push(`[${id},${TIMER}]`);
    else if (mode === ERR) parts.push(`[${id},${ERR},${JSON.stringify(payload)}]`);
    else if (payload === undefined) parts.push(`[${id},${OK_UNDEFINED}]`);
    else parts.push(`[${id},${OK},${payload as string}]`);
  }
  return `[${parts.join(',')}]`;
}

/** Segments merged for a replay: calls by id, turns and clock readings in order. */
export interface ReplayPlan { calls: Map<number, CallRecord>; turns: Delivery[][]; clock: number[] }

export function replayPlan(segments: Segment[]): ReplayPlan {
  const calls = new Map<number, CallRecord>();
  const turns: Delivery[][] = [];
  const clock: number[] = [];
  for (const segment of segments) {
    for (const call of segment.calls) calls.set(call[0], call);
    for (const turn of segment.turns) turns.push(turn);
    for (const reading of segment.clock) clock.push(reading);
  }
  return { calls, turns, clock };
}

export function argsHash(json: string): string {
  return createHash('sha1').update(json).digest('base64url').slice(0, 16);
}
