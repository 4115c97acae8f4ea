// The client's answers to a pause as audit events: llm.answer (the answer's shape; its text with
// includeResults), approval.decision (approved or not, the reason, the call it was for and what held it),
// and callback.answer for the rest (client tools, embeddings). Who answered is the session that resumed.

import type { AuditSubject } from './audit.js';

/** A pending callback as the execution keeps it (PendingCallback), with the part the audit reads. */
export interface AnsweredCallback {
  id: number;
  request: { type: string; operation: string };
  /** Set when the approval holds a call to a catalog function. */
  gate?: { fn: string; rules?: string[]; signIn?: unknown };
}

/** The shape of an answer: its JSON type, and its length, characters or first keys. */
export type Shape =
  | { type: 'string'; chars: number }
  | { type: 'array'; length: number }
  | { type: 'object'; keys: string[]; keyCount?: number }
  | { type: 'number' | 'boolean' | 'null' | 'none' };

const MAX_KEYS = 50;

type Field = (name: string, value: unknown, wanted: boolean) => Record<string, unknown>;

export function answerEvents(
  callbacks: readonly AnsweredCallback[], values: ReadonlyMap<number, unknown>, subject: AuditSubject, includeResults: boolean, field: Field, apiKeyId?: string,
): [event: string, fields: Record<string, unknown>][] {
  const answeredBy = { clientId: subject.clientId, ...(apiKeyId !== undefined && { apiKeyId }) };
  return [...callbacks].sort((a, b) => a.id - b.id).map((callback) => {
    const value = values.get(callback.id);
    const { type, operation } = callback.request;
    const common = { callbackId: `cb_${callback.id}`, operation, answeredBy };
    const failed = errorAnswer(value);
    if (type === 'approval') return ['approval.decision', { ...common, ...approval(callback, value, failed) }];
    const answer = failed !== undefined ? { error: failed } : { answer: shapeOf(value), ...field(type === 'llm' ? 'text' : 'result', value ?? null, includeResults) };
    if (type === 'llm') return ['llm.answer', { ...common, ...answer }];
    return ['callback.answer', { ...common, type, ...answer }];
  });
}

function approval(callback: AnsweredCallback, value: unknown, failed: string | undefined): Record<string, unknown> {
  const { gate } = callback;
  const heldBy = !gate ? 'code' : gate.signIn ? 'signIn' : gate.rules ? 'rules' : 'requireApproval';
  const held = { heldBy, ...(gate && { function: gate.fn }), ...(gate?.rules && { rules: gate.rules }) };
  if (failed !== undefined) return { ...held, approved: false, error: failed };
  const verdict = (typeof value === 'object' && value !== null ? value : {}) as { approved?: unknown; reason?: unknown; response?: unknown };
  const reason = typeof verdict.reason === 'string' ? verdict.reason : typeof verdict.response === 'string' ? verdict.response : undefined;
  return { ...held, approved: verdict.approved === true, ...(reason !== undefined && { reason: reason.slice(0, 4000) }) };
}

/** The message of an `{__error: true, message}` answer (the client could not serve the callback). */
function errorAnswer(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || (value as { __error?: unknown }).__error !== true) return undefined;
  const message = (value as { message?: unknown }).message;
  return typeof message === 'string' && message ? message.slice(0, 4000) : 'the client could not serve this callback';
}

export function shapeOf(value: unknown): Shape {
  if (value === undefined) return { type: 'none' };
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array', length: value.length };
  if (typeof value === 'string') return { type: 'string', chars: value.length };
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return { type: 'object', keys: keys.slice(0, MAX_KEYS), ...(keys.length > MAX_KEYS && { keyCount: keys.length }) };
  }
  return { type: typeof value === 'number' ? 'number' : 'boolean' };
}
