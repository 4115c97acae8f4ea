// What enters the sandbox as the answer to a call. A resume's answer matched against the callbacks a pause
// waits for: `{result}` for one, `{results:[{id,result}]}` by id for a batch; an `{__error: true, message}`
// answer becomes an Error thrown at the awaiting call. A host call's value, as JSON within the execution's bounds.

import { ERR, OK, type Delivery } from './journal.js';
import type { PendingCallback } from './state-store.js';
import { ResumeInputError, type CallbackRequest, type ResumeAnswer } from './types.js';

/** The id a callback has on the wire; derived from the call id, so it is the same on every instance. */
export function callbackId(callId: number): string {
  return `cb_${callId}`;
}

/** Checks the answer fits the pause and returns each callback's value by call id, or throws ResumeInputError. */
export function matchAnswer(answer: ResumeAnswer, pending: readonly PendingCallback[]): Map<number, unknown> {
  const values = new Map<number, unknown>();
  if (answer === null || typeof answer !== 'object') throw new ResumeInputError('the body must be {"result": …} or {"results": [{"id": …, "result": …}]}');
  if ('results' in answer && answer.results !== undefined) {
    if (!Array.isArray(answer.results)) throw new ResumeInputError('results must be an array of {id, result}');
    const byId = new Map(pending.map((callback) => [callbackId(callback.id), callback.id]));
    for (const item of answer.results) {
      const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      if (typeof id !== 'string') throw new ResumeInputError('every entry of results needs a string id');
      const callId = byId.get(id);
      if (callId === undefined) throw new ResumeInputError(`results has id ${JSON.stringify(id).slice(0, 80)}, which this pause did not ask for; expected ${[...byId.keys()].join(', ')}`);
      if (values.has(callId)) throw new ResumeInputError(`results answers ${id} twice`);
      values.set(callId, (item as { result?: unknown }).result);
    }
    const missing = [...byId].filter(([, callId]) => !values.has(callId)).map(([id]) => id);
    if (missing.length > 0) throw new ResumeInputError(`results is missing ${missing.join(', ')}; answer every callback of the pause at once`);
    return values;
  }
  if (!('result' in answer)) throw new ResumeInputError('the body needs "result" (one callback) or "results" (a batch)');
  if (pending.length !== 1) {
    throw new ResumeInputError(`this pause waits for ${pending.length} callbacks; answer with {"results": [{"id", "result"}]} using the ids of needsCallbacks`);
  }
  values.set(pending[0].id, answer.result);
  return values;
}

/** One delivery per pending callback, in call order. */
export function answerDeliveries(pending: readonly PendingCallback[], values: Map<number, unknown>): Delivery[] {
  return [...pending]
    .sort((a, b) => a.id - b.id)
    .map(({ id }) => {
      const value = values.get(id);
      if (isErrorAnswer(value)) {
        const message = typeof value.message === 'string' && value.message ? value.message.slice(0, 4000) : 'the client could not serve this callback';
        return [id, ERR, { message, callback: true }];
      }
      return [id, OK, value === undefined ? undefined : JSON.stringify(value)];
    });
}

/** The wire form of a paused execution's pending callbacks. */
export function pauseFields(pending: readonly PendingCallback[]): { needsCallback?: CallbackRequest; needsCallbacks?: (CallbackRequest & { id: string })[] } {
  if (pending.length === 1) return { needsCallback: pending[0].request };
  return { needsCallbacks: pending.map(({ id, request }) => ({ id: callbackId(id), ...request })) };
}

function isErrorAnswer(value: unknown): value is { __error: true; message?: unknown } {
  return typeof value === 'object' && value !== null && (value as { __error?: unknown }).__error === true;
}

/** The value a host call returned, as its delivery: JSON text, or an error when it is not JSON or over `maxChars`. */
export function resultDelivery(id: number, value: unknown, label: string, maxChars: number): Delivery {
  let json: string | undefined;
  try {
    json = value === undefined ? undefined : JSON.stringify(value);
  } catch (error) {
    return [id, ERR, { message: `${label} returned a value that is not JSON (${(error as Error).message})` }];
  }
  if (json !== undefined && json.length > maxChars) {
    return [id, ERR, { message: `${label} returned ${json.length} characters of JSON, more than this execution can hold; ask for less data` }];
  }
  return [id, OK, json];
}
