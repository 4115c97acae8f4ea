// Every failure that is not an execution outcome leaves as HTTP 4xx/5xx with a JSON body {error, requestId}:
// the official client calls response.json() on execute/resume errors, so a non-JSON body would break it.

import type { Context, Next } from 'koa';
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

/**
 * An error that carries its HTTP meaning (koa's convention, as the execution errors do): `status` 400-599, and
 * `expose`, true when its message is meant for the client. Both must be there: a library's error that merely
 * has a `status` (an upstream's, say) is no answer to this request. An unexposed error may say what the client
 * should do in `publicMessage` (its own message is only logged).
 */
interface Meaningful { status: number; expose: boolean; headers?: Record<string, string>; message: string; publicMessage?: string }

function meaningful(error: unknown): error is Meaningful {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return error instanceof Error && typeof expose === 'boolean' && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599;
}

function statusOf(error: unknown): { status: number; message: string; headers?: Record<string, string>; logged: boolean } {
  if (error instanceof HttpError) return { status: error.status, message: error.message, headers: error.headers, logged: false };
  if (meaningful(error)) {
    if (error.expose) return { status: error.status, message: error.message, ...(error.headers && { headers: error.headers }), logged: false };
    const told = typeof error.publicMessage === 'string' ? error.publicMessage : error.status >= 500 ? 'internal server error' : 'the request failed';
    return { status: error.status, message: told, logged: true };
  }
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
