// A request id on every request: the caller's X-Request-ID when it looks sane, else a new one; echoed back.

import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

const SANE = /^[\w.:-]{1,128}$/;

export function requestId(ctx: Context, next: Next): Promise<void> {
  // node's own header table and setHeader: koa's ctx.get and ctx.set only add case folding and checks we need not
  const given = ctx.req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE.test(given) ? given : randomUUID();
  ctx.state.requestId = id;
  ctx.res.setHeader('X-Request-ID', id);
  return next();
}
