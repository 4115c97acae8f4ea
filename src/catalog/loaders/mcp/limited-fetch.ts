// The fetch the remote MCP transports use: an answer above MAX_ANSWER_BYTES is not held in memory. A JSON
// answer is bounded as a whole; an event stream (SSE) line by line, since one may stay open for hours. When
// the request the answer belongs to is known (a POST of a JSON-RPC request), it gets an error answer at once
// instead of waiting for its timeout; otherwise the stream ends with the error.

import { MAX_ANSWER_BYTES } from '../../types.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;
type Id = string | number;

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/** `shown`: the server as messages name it (no query, no credentials); `inner`: the fetch underneath. */
export function limitedFetch(shown: string, limit = MAX_ANSWER_BYTES, inner: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const response = await inner(url, init);
    if (!response.body) return response;
    const reason = `the MCP server at ${shown} sent a message of more than ${limit} bytes, above the limit for one answer; ask it for less (a page, a filter, a range)`;
    const id = requestId(init?.body);
    const stream = /^text\/event-stream\b/i.test(response.headers.get('content-type') ?? '');
    const body = response.body.pipeThrough(stream ? boundedLines(limit, reason, id) : boundedWhole(limit, reason, id));
    const bounded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    // what a constructed Response cannot be given: the SSE client reconnects to the URL it was redirected to
    Object.defineProperties(bounded, { url: { value: response.url }, redirected: { value: response.redirected } });
    return bounded;
  };
}

/** A JSON answer, passed on whole once complete; past the limit, the error answer instead. */
function boundedWhole(limit: number, reason: string, id: Id | undefined): TransformStream<Uint8Array, Uint8Array> {
  const pieces = new Pieces();
  return new TransformStream({
    transform(chunk, controller) {
      if (!pieces.add(chunk, limit)) refuse(controller, reason, id, '');
    },
    flush(controller) {
      controller.enqueue(pieces.take());
    },
  });
}

/** Server-sent events, passed on line by line; a line past the limit is dropped and the request answered with the error. */
function boundedLines(limit: number, reason: string, id: Id | undefined): TransformStream<Uint8Array, Uint8Array> {
  const pieces = new Pieces(); // the start of a line not complete yet
  return new TransformStream({
    transform(chunk, controller) {
      let start = 0;
      let tooLong = false;
      for (let end = chunk.indexOf(NEWLINE); end >= 0 && !tooLong; end = chunk.indexOf(NEWLINE, start)) {
        tooLong = (start === 0 ? pieces.size : 0) + end - start > limit;
        if (!tooLong) start = end + 1;
      }
      // the complete lines before go on; the rest waits for its end, within the limit
      if (start > 0) {
        if (pieces.size > 0) controller.enqueue(pieces.take());
        controller.enqueue(chunk.subarray(0, start));
      }
      // "\n\n" first: it ends an event whose first lines went on already, and it is not dispatched without data
      if (tooLong || !pieces.add(chunk.subarray(start), limit)) refuse(controller, reason, id, '\n\nevent: message\ndata: ');
    },
    flush(controller) {
      if (pieces.size > 0) controller.enqueue(pieces.take());
    },
  });
}

/**
 * The answer went past the limit: the request gets an error answer (`prefix` makes it an event in a stream)
 * and the rest is not read, so the connection is dropped; without a request to answer, the stream errors.
 */
function refuse(controller: TransformStreamDefaultController<Uint8Array>, reason: string, id: Id | undefined, prefix: string): void {
  if (id === undefined) return controller.error(new Error(reason));
  controller.enqueue(encoder.encode(`${prefix}${JSON.stringify(errorAnswer(id, reason))}${prefix ? '\n\n' : ''}`));
  controller.terminate();
}

/** Bytes kept until needed, joined once. */
class Pieces {
  private list: Uint8Array[] = [];
  size = 0;

  /** False (and nothing kept) when the bytes would pass `limit`. */
  add(bytes: Uint8Array, limit: number): boolean {
    if (this.size + bytes.length > limit) {
      this.list = [];
      this.size = 0;
      return false;
    }
    if (bytes.length > 0) {
      this.list.push(bytes);
      this.size += bytes.length;
    }
    return true;
  }

  take(): Uint8Array {
    const joined = this.list.length === 1 ? this.list[0] : Buffer.concat(this.list, this.size);
    this.list = [];
    this.size = 0;
    return joined;
  }
}

/** The id of the JSON-RPC request a POST carries (not of a notification, nor of a batch). */
function requestId(body: unknown): Id | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const message = JSON.parse(body) as { id?: unknown; method?: unknown };
    return typeof message.method === 'string' && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : undefined;
  } catch {
    return undefined;
  }
}

function errorAnswer(id: Id, reason: string): object {
  return { jsonrpc: '2.0', id, error: { code: -32603, message: reason } };
}
