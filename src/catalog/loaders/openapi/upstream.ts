// Tool calls over node:http/node:https with a keep-alive agent per group: a warm request costs a third of
// what global fetch costs. Follows redirects as fetch did, and decodes gzip/deflate/br answers.

import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { ORIGIN_BOUND_HEADERS, redirectHop } from '../../redirect.js';

/** Idle sockets are closed before a typical server's keep-alive timeout (Node's is 5 s) closes them under us. */
const IDLE_SOCKET_MS = 4_000;

export type RequestBody = string | Buffer | FormData;

export interface UpstreamRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: RequestBody;
  /** What only the first URL's origin may receive: dropped on a redirect to any other origin. */
  originBound?: OriginBound;
}

/** The gateway's credentials in a request: header names (lower-case) and encoded `name=value` query pairs. */
export interface OriginBound {
  headers: readonly string[];
  query: readonly string[];
}

/** An answer whose headers have arrived; its body is read (or discarded) exactly once. */
export class UpstreamResponse {
  constructor(private readonly message: http.IncomingMessage, private readonly request: http.ClientRequest) {}

  get status(): number {
    return this.message.statusCode ?? 0;
  }

  get statusText(): string {
    return this.message.statusMessage ?? '';
  }

  /**
   * A header's value (`name` in lower case); repeated headers joined with ", " as fetch's Headers.get does. Read
   * from the raw header lines: Node builds `message.headers` on first use, which costs more than the few
   * lookups an answer needs.
   */
  header(name: string): string | undefined {
    const raw = this.message.rawHeaders;
    let value: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i];
      if (key.length !== name.length || key.toLowerCase() !== name) continue;
      value = value === undefined ? raw[i + 1] : `${value}, ${raw[i + 1]}`;
    }
    return value;
  }

  /** Lets the socket go back to the pool without reading the body. */
  discard(): void {
    this.message.resume();
  }

  /** Reads the rest of the body away, so the socket is free for the next request when this resolves. */
  drain(): Promise<void> {
    if (this.message.readableEnded || this.message.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.message.once('end', resolve);
      this.message.once('close', resolve);
      this.message.resume();
    });
  }

  /** Drops the connection: for a body too large to be worth draining. */
  abandon(): void {
    this.request.destroy();
  }

  /** The decoded body as UTF-8; a body of more than `limit` bytes rejects, as with bytes(). */
  async text(limit = Infinity): Promise<string> {
    return (await this.bytes(limit)).toString('utf8');
  }

  /** The decoded body; more than `limit` bytes rejects with a RangeError (code ERR_BUFFER_TOO_LARGE). */
  async bytes(limit = Infinity): Promise<Buffer> {
    const raw = await collect(this.message, limit);
    return decode(raw, this.header('content-encoding'), limit);
  }
}

export interface SendResult {
  response: UpstreamResponse;
  /** The answer came over a pooled socket; a reset before it means the server had closed that socket. */
  reusedSocket: boolean;
}

/** What may end a request under way (a timeout, the execution's end): told of each request sent for it. */
export interface RequestStopper {
  /** Throws the reason if it has already stopped. */
  throwIfStopped(): void;
  /** The request being sent now; a stop destroys it with the reason. */
  attach(request: http.ClientRequest): void;
}

export class UpstreamClient {
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(maxSockets: number) {
    const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    this.agents = { http: new http.Agent(options), https: new https.Agent(options) };
  }

  /** Sends the request, following redirects; rejects with Node's network error (ECONNRESET...) or the stopper's reason. */
  async send(request: UpstreamRequest, stopper: RequestStopper): Promise<UpstreamResponse> {
    let { method, headers, body } = request;
    let url = new URL(request.url);
    const origin = url.origin;
    let credentials = true;
    for (let hops = 0; ; hops++) {
      const response = await this.once(method, url, headers, body, stopper);
      let hop;
      try {
        hop = redirectHop(response.status, response.header('location'), url, method, hops);
      } catch (error) {
        await response.drain(); // the socket goes back to the pool
        throw error;
      }
      if (!hop) return response;
      await response.drain();
      const next = hop.url;
      method = hop.method;
      if (hop.dropBody) {
        body = undefined;
        headers = withoutHeaders(headers, ['content-type', 'content-length']);
      }
      // credentials are for the origin they were configured for: another one (a different host, port or
      // scheme) gets the request without them, and keeps getting it so even if a later hop comes back
      if (next.origin !== origin && credentials) {
        credentials = false;
        headers = withoutHeaders(headers, [...ORIGIN_BOUND_HEADERS, ...(request.originBound?.headers ?? [])]);
      }
      if (!credentials && request.originBound?.query.length) withoutQueryPairs(next, request.originBound.query);
      url = next;
    }
  }

  /** Closes idle sockets and lets active ones end; the client is not used afterwards. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async once(method: string, url: URL, headers: Record<string, string>, body: RequestBody | undefined, stopper: RequestStopper): Promise<UpstreamResponse> {
    stopper.throwIfStopped();
    let outgoing = headers;
    let payload: string | Buffer | undefined;
    // FormData is only touched for a body that may be one: the global loads Node's fetch (about 200 ms, once)
    if (typeof body === 'object' && !Buffer.isBuffer(body) && body instanceof FormData) {
      // The multipart encoding and its boundary, exactly as fetch would send them.
      const encoded = new Response(body);
      payload = Buffer.from(await encoded.arrayBuffer());
      outgoing = { ...headers, 'content-type': encoded.headers.get('content-type') ?? 'multipart/form-data' };
    } else payload = body;
    // the caller's headers are kept as they are (a redirect sends them again): a copy only when something is added
    if (payload !== undefined) outgoing = { ...outgoing, 'content-length': String(Buffer.byteLength(payload)) };
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') outgoing = { ...outgoing, 'content-length': '0' };
    const secure = url.protocol === 'https:';
    const options: http.RequestOptions = {
      method,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port || (secure ? 443 : 80),
      path: url.pathname + url.search,
      headers: outgoing,
      agent: secure ? this.agents.https : this.agents.http,
    };
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(options);
      request.once('response', (message) => resolve(new UpstreamResponse(message, request)));
      request.on('error', (error: Error & { reusedSocket?: boolean }) => {
        error.reusedSocket = request.reusedSocket;
        reject(error);
      });
      stopper.attach(request);
      request.end(payload);
    });
  }
}

/** Whether a request failed on a pooled socket the server had already closed (safe to resend if idempotent). */
export function failedOnReusedSocket(error: unknown): boolean {
  const failure = error as { reusedSocket?: boolean; code?: string };
  return failure.reusedSocket === true && (failure.code === 'ECONNRESET' || failure.code === 'EPIPE');
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  const kept = { ...headers };
  for (const name of names) delete kept[name];
  return kept;
}

/** Removes the `name=value` pairs (as encoded in the original request) that a Location carried over. */
function withoutQueryPairs(url: URL, pairs: readonly string[]): void {
  if (!url.search) return;
  const unwanted = pairs.map((pair) => {
    const at = pair.indexOf('=');
    return [decodeURIComponent(pair.slice(0, at)), decodeURIComponent(pair.slice(at + 1))];
  });
  const params = url.searchParams;
  for (const [name, value] of unwanted) if (params.has(name, value)) params.delete(name, value);
}

/** `size`: the whole body's size when it was read to the end, else undefined. */
function tooLarge(limit: number, size?: number): RangeError {
  return Object.assign(new RangeError(`the body is above ${limit} bytes`), { code: 'ERR_BUFFER_TOO_LARGE', size });
}

/** The body's bytes; past `limit` the rest is counted and dropped, so the size is exact and the socket stays usable. */
function collect(message: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined) => {
      if (done) return;
      done = true;
      if (error) reject(error);
      else if (size > limit) reject(tooLarge(limit, size));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    message.once('end', () => finish(undefined));
    message.on('error', (error) => finish(error));
    message.once('close', () => {
      if (!message.complete) finish(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
    });
  });
}

function decode(raw: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> | Buffer {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === 'identity' || raw.length === 0) return raw;
  const options = Number.isFinite(limit) ? { maxOutputLength: limit + 1 } : {};
  const run = (fn: (buffer: Buffer, options: zlib.ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void) =>
    new Promise<Buffer>((resolve, reject) => fn(raw, options, (error, result) => (error ? reject(error) : resolve(result))));
  if (coding === 'gzip' || coding === 'x-gzip') return run(zlib.gunzip);
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: the first byte tells them apart.
  if (coding === 'deflate') return run((raw[0] & 0x0f) === 0x08 ? zlib.inflate : zlib.inflateRaw);
  if (coding === 'br') return run(zlib.brotliDecompress as unknown as Parameters<typeof run>[0]);
  return raw; // an unknown coding is passed through, as fetch does
}
