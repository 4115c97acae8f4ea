// Sending one request with the group's limits: a timeout per attempt, retries with backoff for idempotent
// methods on 502/503/504 and connection resets, 429 honouring Retry-After, one retry with a fresh OAuth2
// token on 401. A failure becomes a ToolCallError whose message names the call and never a secret.
// Requests go over node:http through the group's keep-alive pool (upstream.ts), not global fetch.

import type { Logger } from '../../../logging/index.js';
import type { Metrics } from '../../../telemetry/index.js';
import { ToolCallError } from '../../types.js';
import type { Authenticator, Caller } from './auth.js';
import type { Redactor } from './redact.js';
import type { HttpRequest } from './request.js';
import { AttemptLimits } from './limits.js';
import { readResult } from './response.js';
import { networkReason } from './source.js';
import { UpstreamClient, failedOnReusedSocket, type OriginBound, type UpstreamResponse } from './upstream.js';

export interface TransportOptions {
  timeoutMs: number;
  retries: number;
  /** The most sockets open to one upstream host at a time (the group's concurrency). */
  maxSockets: number;
  headers: Record<string, string>;
  auth: Authenticator;
  redactor: Redactor;
  logger: Logger;
  /** The group's name, as the metrics name it. */
  group: string;
  /** Each request sent again, counted (config `telemetry.metrics`). */
  metrics?: Metrics;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
const RETRIED_STATUSES = new Set([502, 503, 504]);
const RETRIED_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** A longer Retry-After is reported to the caller instead of waited for. */
const MAX_RETRY_AFTER_MS = 30_000;
/** An error answer is read up to this for its excerpt; a larger one is only said to be large. */
const ERROR_BODY_BYTES = 1024 * 1024;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 5_000;

export class Transport {
  /** Decided at start: no log record is built per call unless debug logging is on. */
  private readonly debug: boolean;
  private readonly client: UpstreamClient;
  private readonly maxSockets: number;
  /** The auth's credentials and every configured header: never sent to another origin on a redirect. */
  private readonly originBound: OriginBound;

  /** The headers every request of the group starts with: the defaults, then the configured ones (names lower-cased). */
  private readonly baseHeaders: Record<string, string>;
  /** The attempts under way, for their timeout and their callers' aborts. */
  private readonly limits: AttemptLimits;

  constructor(private readonly options: TransportOptions) {
    this.debug = options.logger.enabled('debug');
    this.originBound = {
      headers: [...new Set([...options.auth.bound.headers, ...Object.keys(options.headers).map((name) => name.toLowerCase())])],
      query: options.auth.bound.query,
    };
    this.maxSockets = options.maxSockets > 0 ? options.maxSockets : 16;
    this.client = new UpstreamClient(this.maxSockets);
    this.baseHeaders = { accept: 'application/json, */*;q=0.8', 'user-agent': 'atp-openapi', 'accept-encoding': 'gzip, deflate' };
    for (const [name, value] of Object.entries(options.headers)) this.baseHeaders[name.toLowerCase()] = value;
    this.limits = new AttemptLimits(options.timeoutMs);
  }

  /** Closes the pooled connections; called when the group closes. */
  close(): void {
    this.limits.close();
    this.client.close();
  }

  /**
   * Sends `build()`'s request (rebuilt for each attempt, so auth is current) and returns the decoded result.
   * `caller`: whose credentials go with it, for auth that differs per user.
   */
  async send(label: string, build: () => HttpRequest, signal: AbortSignal, caller: Caller = {}): Promise<unknown> {
    const state = { refreshedAuth: false, staleSockets: 0 };
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(label, build(), signal, attempt, state, caller);
      if (!('retryAfterMs' in outcome)) return outcome.result;
      if (outcome.retryAfterMs < 0) attempt--; // a stale token is not a failure of the upstream
      else await sleep(outcome.retryAfterMs, signal);
    }
  }

  /** One request under its own timeout: a result, or how long to wait before the next attempt (-1: at once). */
  private async attempt(label: string, request: HttpRequest, signal: AbortSignal, attempt: number, state: { refreshedAuth: boolean; staleSockets: number }, caller: Caller): Promise<{ result: unknown } | { retryAfterMs: number }> {
    const { retries, redactor } = this.options;
    const idempotent = IDEMPOTENT.has(request.method);
    const applied = this.options.auth.apply(request, signal, caller);
    if (applied) await applied; // most auth adds its header at once: no promise to wait for
    const started = this.debug ? performance.now() : 0;
    const limit = this.limits.start(signal);
    try {
      let response: UpstreamResponse;
      try {
        response = await this.client.send({ method: request.method, url: urlOf(request), headers: this.headersOf(request), body: request.body, originBound: this.originBound }, limit);
      } catch (error) {
        signal.throwIfAborted();
        if (limit.timedOut) throw this.timeoutError(label);
        // The server closed an idle pooled socket as we reused it: the request never reached it, so resend at once.
        if (idempotent && failedOnReusedSocket(error) && state.staleSockets < this.maxSockets) {
          state.staleSockets++;
          this.options.metrics?.upstreamRetry(this.options.group, 'stale_connection');
          this.log('resending on a fresh connection', label, attempt, {});
          return { retryAfterMs: -1 };
        }
        const reason = networkReason(error);
        const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? '';
        if (idempotent && attempt < retries && RETRIED_NETWORK_CODES.has(code)) {
          this.options.metrics?.upstreamRetry(this.options.group, 'network');
          this.log('retrying after a network error', label, attempt, { reason });
          return { retryAfterMs: backoff(attempt) };
        }
        throw new ToolCallError(redactor.redact(`${label}: cannot reach ${new URL(request.url).host}: ${reason}`), { code: 'NETWORK_ERROR', retryable: true });
      }
      if (this.debug) this.options.logger.debug('upstream call', { call: label, status: response.status, ms: Math.round(performance.now() - started), attempt });
      if (response.status === 401 && !state.refreshedAuth && this.options.auth.invalidate(caller)) {
        state.refreshedAuth = true;
        this.options.metrics?.upstreamRetry(this.options.group, 'auth');
        await response.drain();
        return { retryAfterMs: -1 };
      }
      const retryAfterMs = parseRetryAfter(response.header('retry-after'));
      const retriable = response.status === 429 || (idempotent && RETRIED_STATUSES.has(response.status));
      if (retriable && attempt < retries && (retryAfterMs ?? 0) <= MAX_RETRY_AFTER_MS) {
        await response.drain();
        const wait = retryAfterMs ?? backoff(attempt);
        this.options.metrics?.upstreamRetry(this.options.group, String(response.status));
        this.log(`retrying after HTTP ${response.status}`, label, attempt, { waitMs: wait });
        return { retryAfterMs: wait };
      }
      if ((response.status < 200 || response.status > 299) && response.status !== 304) throw await this.httpError(label, response, retryAfterMs);
      try {
        return { result: await readResult(response, request.method, label, redactor) };
      } catch (error) {
        signal.throwIfAborted();
        if (limit.timedOut) throw this.timeoutError(label);
        if (error instanceof ToolCallError) throw error;
        throw new ToolCallError(redactor.redact(`${label}: the answer could not be read: ${networkReason(error)}`), { code: 'NETWORK_ERROR', retryable: idempotent });
      }
    } finally {
      this.limits.end(limit);
    }
  }

  private headersOf(request: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = { ...this.baseHeaders };
    for (const name in request.headers) headers[name] = request.headers[name];
    if (request.cookies.length > 0) headers.cookie = [headers.cookie, ...request.cookies].filter(Boolean).join('; ');
    return headers;
  }

  private timeoutError(label: string): ToolCallError {
    return new ToolCallError(`${label}: no answer within ${this.options.timeoutMs} ms (the group's timeout)`, { code: 'TIMEOUT_ERROR', retryable: true });
  }

  private async httpError(label: string, response: UpstreamResponse, retryAfterMs: number | undefined): Promise<ToolCallError> {
    let text = '';
    try {
      text = await response.text(ERROR_BODY_BYTES); // only an excerpt is kept
    } catch (error) {
      text = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `(a body of more than ${ERROR_BODY_BYTES} bytes)` : '(the body could not be read)';
    }
    const body = this.options.redactor.excerpt(text);
    const status = this.options.redactor.redact(`HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`);
    const retryAfter = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
    const hint = response.status === 429 ? `; rate limited${retryAfter !== undefined ? `, retry after ${retryAfter} s` : ''}` : '';
    return new ToolCallError(`${label}: ${status}${hint}: ${body}`, {
      code: response.status === 429 ? 'RATE_LIMIT_EXCEEDED' : 'HTTP_ERROR',
      status: response.status,
      body,
      retryable: response.status === 429 || response.status >= 500,
      retryAfter,
    });
  }

  private log(message: string, label: string, attempt: number, fields: Record<string, unknown>): void {
    this.options.logger.debug(message, { call: label, attempt: attempt + 1, ...fields });
  }
}

function urlOf(request: HttpRequest): string {
  if (request.query.length === 0) return request.url;
  return `${request.url}${request.url.includes('?') ? '&' : '?'}${request.query.join('&')}`;
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoff(attempt: number): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
