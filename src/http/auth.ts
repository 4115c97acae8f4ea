// Who is calling. Executions always need a session; discovery endpoints need one when API keys are
// configured (otherwise anyone could open a session anyway), and check credentials whenever sent.

import type { Context } from 'koa';
import type { Session, Sessions } from '../session/index.js';

export async function requireSession(ctx: Context, sessions: Sessions): Promise<Session> {
  const { headers } = ctx.req;
  const { session, refreshed } = await sessions.authenticate(header(headers['x-client-id']), headers.authorization || undefined);
  if (refreshed) {
    ctx.set('X-ATP-Token', refreshed.token);
    ctx.set('X-ATP-Token-Expires', String(refreshed.expiresAt));
  }
  ctx.state.clientId = session.clientId;
  return session;
}

export async function optionalSession(ctx: Context, sessions: Sessions): Promise<Session | undefined> {
  const presented = ctx.req.headers['x-client-id'] || ctx.req.headers.authorization;
  if (!presented && !sessions.requiresApiKey) return undefined;
  return requireSession(ctx, sessions);
}

/** A request header as one string (node joins a repeated one), undefined when absent or empty. */
function header(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value.join(', ') : value) || undefined;
}
