// POST /api/execute/stream: the execution as Server-Sent Events: progress and log while it runs, then one
// `result` (or `error`) event, then the stream closes (the official client resolves at the end). Each event's
// lines go out in one write: the client pairs `event:` with `data:` from the same chunk. The response opens
// once the execution runs, with its id in the X-ATP-Execution-Id header (for POST /api/cancel/:id). A client
// that closes the stream before the end cancels the execution, unless its config says cancelOnDisconnect: false.

import type { Context } from 'koa';
import type { AppDeps } from '../types.js';
import type { Route } from '../router.js';
import { badField } from '../errors.js';
import { readExecuteRequest } from './execute.js';

export const EXECUTION_ID_HEADER = 'X-ATP-Execution-Id';

type Send = (event: string, data: unknown) => void;

export function streamRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/execute/stream',
    async handler(ctx) {
      // checked before the stream starts, so bad input still gets a JSON error with its status
      const { request, config } = await readExecuteRequest(ctx, deps);
      const drop = cancelOption(config) ? dropWatch(ctx, deps, request.clientId) : undefined;
      ctx.respond = false;
      let sender: Send | undefined;
      // an execution refused before it ran (rate limited, shutting down) has no id: its stream opens with the result
      const send: Send = (event, data) => (sender ??= openStream(ctx))(event, data);
      try {
        const result = await deps.executor.execute({
          ...request,
          onStart: (executionId) => {
            sender ??= openStream(ctx, executionId);
            drop?.started(executionId);
          },
          onProgress: (event) => send('progress', event),
          onLog: (event) => send('log', event),
        });
        send('result', result);
      } catch (error) {
        deps.logger.error(`execution stream failed: ${(error as Error).message}`, { requestId: ctx.state.requestId, stack: (error as Error).stack });
        send('error', { message: `the execution failed on the server (request id ${ctx.state.requestId}); see the server log` });
      } finally {
        drop?.ended();
        ctx.res.end();
      }
    },
  };
}

function cancelOption(config: unknown): boolean {
  const value = config && typeof config === 'object' ? (config as Record<string, unknown>).cancelOnDisconnect : undefined;
  if (value !== undefined && typeof value !== 'boolean') throw badField('config.cancelOnDisconnect', 'true or false');
  return value !== false;
}

/** Cancels the streamed execution when the client goes away before its result (once its id is known). */
function dropWatch(ctx: Context, deps: AppDeps, clientId: string): { started(id: string): void; ended(): void } {
  let id: string | undefined;
  let dropped = false;
  let ended = false;
  const cancel = () => {
    if (!id || !dropped || ended) return;
    ended = true;
    deps.logger.info('the client closed its event stream: its execution is cancelled', { requestId: ctx.state.requestId, execution: id });
    deps.executor.cancel(id, clientId, 'disconnect').catch((error: Error) => {
      deps.logger.warn(`could not cancel an execution whose stream closed: ${error.message}`, { execution: id });
    });
  };
  ctx.res.once('close', () => {
    if (ctx.res.writableEnded) return;
    dropped = true;
    cancel();
  });
  return {
    started(executionId) {
      id = executionId;
      cancel(); // dropped while it waited in the queue: cancelled as it starts
    },
    ended() {
      ended = true;
    },
  };
}

function openStream(ctx: Context, executionId?: string): Send {
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    ...(executionId && { [EXECUTION_ID_HEADER]: executionId }),
  };
  for (const [name, value] of Object.entries(ctx.response.headers)) if (value !== undefined) headers[name] = String(value);
  // a client that went away must not crash the daemon
  ctx.res.on('error', () => undefined);
  if (!ctx.res.headersSent && !ctx.res.destroyed) {
    ctx.res.writeHead(200, headers);
    ctx.res.flushHeaders();
  }
  return (event, data) => {
    if (!ctx.res.writableEnded && !ctx.res.destroyed) ctx.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
