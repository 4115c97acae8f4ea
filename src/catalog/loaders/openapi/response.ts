// An upstream's 2xx answer as a sandbox value: JSON parsed, text as a string, bytes as base64 up to a cap.

import { MAX_ANSWER_BYTES, ToolCallError, secretFree } from '../../types.js';
import type { Redactor } from './redact.js';
import type { UpstreamResponse } from './upstream.js';

/** Larger binary answers are refused rather than copied into the sandbox (base64 adds a third). */
export const MAX_BINARY_BYTES = 8 * 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b|^[\w.+-]+\/[\w.+-]+\+json\b/i;
const TEXT_TYPE = /^text\/|^application\/(?:xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|yaml|x-yaml|graphql)\b/i;

/**
 * From this size a JSON answer is scanned for secrets as text, and marked free of them when it is: walking the
 * parsed value costs about 8 µs a KB here, the scan a fifth of that; under it, marking (a WeakSet entry, 1-3 µs)
 * costs more than the walk it saves.
 */
const MARKED_CHARS = 2048;

export interface BinaryResult { contentType: string; size: number; base64: string }

/** `redactor`: JSON answers it finds free of secrets are marked so (secretFree), and the guard does not walk them. */
export async function readResult(response: UpstreamResponse, method: string, label: string, redactor?: Redactor): Promise<unknown> {
  if (method === 'HEAD' || response.status === 204 || response.status === 205 || response.status === 304) {
    response.discard();
    return null;
  }
  const contentType = response.header('content-type') ?? '';
  const kind = JSON_TYPE.test(contentType) ? 'json' : !contentType || TEXT_TYPE.test(contentType) ? 'text' : 'binary';
  const bytes = await readBody(response, kind === 'binary' ? MAX_BINARY_BYTES : MAX_ANSWER_BYTES, label, contentType);
  if (kind === 'binary') {
    const result: BinaryResult = { contentType, size: bytes.length, base64: bytes.toString('base64') };
    return result;
  }
  const text = bytes.toString('utf8');
  if (kind === 'text') return text === '' ? null : text;
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text; // a server that mislabels text as JSON: the text is still useful
  }
  if (redactor && text.length >= MARKED_CHARS && typeof value === 'object' && value !== null && redactor.masksAnswers && redactor.jsonFree(text)) secretFree.add(value);
  return value;
}

/** The body, or a clear error when it is above `limit` (refused before reading when its declared length says so). */
async function readBody(response: UpstreamResponse, limit: number, label: string, contentType: string): Promise<Buffer> {
  const declared = Number(response.header('content-length'));
  if (declared > limit && !response.header('content-encoding')) {
    response.abandon();
    throw tooLarge(label, contentType, String(declared), limit);
  }
  let bytes: Buffer;
  try {
    bytes = await response.bytes(limit);
  } catch (error) {
    const failure = error as { code?: string; size?: number };
    if (failure.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(label, contentType, failure.size !== undefined ? String(failure.size) : `more than ${limit}`, limit);
    throw error;
  }
  if (bytes.length > limit) throw tooLarge(label, contentType, String(bytes.length), limit); // decompressed past it
  return bytes;
}

function tooLarge(label: string, contentType: string, size: string, limit: number): ToolCallError {
  const advice = limit === MAX_BINARY_BYTES ? 'for binary results; ask for a smaller range or a link instead' : 'for one answer; ask for less (a page, a filter, fewer fields)';
  return new ToolCallError(`${label}: the answer is ${size} bytes of ${contentType || 'unlabelled content'}, above the ${limit}-byte limit ${advice}`, { code: 'HTTP_ERROR' });
}
