// A request id on every request: the caller's X-Request-ID when it looks sane, else a new one; echoed back.

import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

const SANE = /^[\w.:-]{1,128}$/;

export async function requestId(ctx: Context, next: Next): Promise<void> {
  const given = ctx.get('X-Request-ID');
  const id = SANE.test(given) ? given : randomUUID();
  ctx.state.requestId = id;
  ctx.set('X-Request-ID', id);
  await next();
}
