// An upstream's 2xx answer as a sandbox value: JSON parsed, text as a string, bytes as base64 up to a cap.

import { ToolCallError } from '../../types.js';
import type { UpstreamResponse } from './upstream.js';

/** Larger binary answers are refused rather than copied into the sandbox. */
export const MAX_BINARY_BYTES = 8 * 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b|^[\w.+-]+\/[\w.+-]+\+json\b/i;
const TEXT_TYPE = /^text\/|^application\/(?:xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|yaml|x-yaml|graphql)\b/i;

export interface BinaryResult { contentType: string; size: number; base64: string }

export async function readResult(response: UpstreamResponse, method: string, label: string): Promise<unknown> {
  if (method === 'HEAD' || response.status === 204 || response.status === 205 || response.status === 304) {
    response.discard();
    return null;
  }
  const contentType = response.header('content-type') ?? '';
  if (JSON_TYPE.test(contentType)) {
    const text = await response.text();
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      return text; // a server that mislabels text as JSON: the text is still useful
    }
  }
  if (!contentType || TEXT_TYPE.test(contentType)) {
    const text = await response.text();
    return text === '' ? null : text;
  }
  const declared = Number(response.header('content-length'));
  if (declared > MAX_BINARY_BYTES && !response.header('content-encoding')) {
    response.abandon();
    throw tooLarge(label, contentType, String(declared));
  }
  let bytes: Buffer;
  try {
    bytes = await response.bytes(MAX_BINARY_BYTES);
  } catch (error) {
    const failure = error as { code?: string; size?: number };
    if (failure.code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(label, contentType, failure.size !== undefined ? String(failure.size) : `more than ${MAX_BINARY_BYTES}`);
    throw error;
  }
  if (bytes.length > MAX_BINARY_BYTES) throw tooLarge(label, contentType, String(bytes.length));
  const result: BinaryResult = { contentType, size: bytes.length, base64: bytes.toString('base64') };
  return result;
}

function tooLarge(label: string, contentType: string, size: string): ToolCallError {
  return new ToolCallError(`${label}: the answer is ${size} bytes of ${contentType}, above the ${MAX_BINARY_BYTES}-byte limit for binary results; ask for a smaller range or a link instead`, { code: 'HTTP_ERROR' });
}
