// POST /api/execute/stream: the execution as Server-Sent Events: progress and log while it runs, then
// one `result` (or `error`) event, then the stream closes (the official client resolves at the end).
// Each event's lines go out in one write: the client pairs `event:` with `data:` from the same chunk.

import type { Context } from 'koa';
import type { AppDeps } from '../types.js';
import type { Route } from '../router.js';
import { executeRequest } from './execute.js';

export function streamRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/execute/stream',
    async handler(ctx) {
      // checked before the stream starts, so bad input still gets a JSON error with its status
      const request = await executeRequest(ctx, deps);
      const send = openStream(ctx);
      try {
        const result = await deps.executor.execute({
          ...request,
          onProgress: (event) => send('progress', event),
          onLog: (event) => send('log', event),
        });
        send('result', result);
      } catch (error) {
        deps.logger.error(`execution stream failed: ${(error as Error).message}`, { requestId: ctx.state.requestId, stack: (error as Error).stack });
        send('error', { message: `the execution failed on the server (request id ${ctx.state.requestId}); see the server log` });
      } finally {
        ctx.res.end();
      }
    },
  };
}

function openStream(ctx: Context): (event: string, data: unknown) => void {
  ctx.respond = false;
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
  for (const [name, value] of Object.entries(ctx.response.headers)) if (value !== undefined) headers[name] = String(value);
  ctx.res.writeHead(200, headers);
  ctx.res.flushHeaders();
  // a client that went away must not crash the daemon; the execution still finishes
  ctx.res.on('error', () => undefined);
  return (event, data) => {
    if (!ctx.res.writableEnded && !ctx.res.destroyed) ctx.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
