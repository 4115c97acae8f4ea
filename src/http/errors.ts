// Every failure that is not an execution outcome leaves as HTTP 4xx/5xx with a JSON body {error, requestId}:
// the official client calls response.json() on execute/resume errors, so a non-JSON body would break it.

import type { Context, Next } from 'koa';
import { ExecutionNotFoundError, ResumeConflictError, ResumeInputError } from '../execution/index.js';
import { AuthError } from '../session/index.js';
import { StoreError } from '../store/index.js';
import type { Logger } from '../logging/index.js';

export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

/** A request field of the wrong type or value: 400 naming the field. */
export function badField(field: string, expected: string): HttpError {
  return new HttpError(400, `${field} must be ${expected}`);
}

function statusOf(error: unknown): { status: number; message: string; headers?: Record<string, string>; logged: boolean } {
  if (error instanceof HttpError) return { status: error.status, message: error.message, headers: error.headers, logged: false };
  if (error instanceof AuthError) return { status: 401, message: error.message, headers: { 'WWW-Authenticate': 'Bearer' }, logged: false };
  if (error instanceof ExecutionNotFoundError) return { status: 404, message: error.message, logged: false };
  if (error instanceof ResumeConflictError) return { status: 409, message: error.message, logged: false };
  if (error instanceof ResumeInputError) return { status: 400, message: error.message, logged: false };
  // the store's message names its host: log it, tell the client only what to do
  if (error instanceof StoreError) return { status: 503, message: 'the state store is unavailable; retry shortly', logged: true };
  return { status: 500, message: 'internal server error', logged: true };
}

export function errorMiddleware(logger: Logger) {
  return async function errors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      const { status, message, headers, logged } = statusOf(error);
      const requestId = ctx.state.requestId as string | undefined;
      if (logged) {
        logger.error(`${ctx.method} ${ctx.path} failed: ${(error as Error).message}`, { requestId, status, stack: (error as Error).stack });
      }
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = status;
      if (headers) ctx.set(headers);
      ctx.body = { error: logged && status === 500 ? `${message} (request id ${requestId}); see the server log` : message, requestId };
    }
  };
}
