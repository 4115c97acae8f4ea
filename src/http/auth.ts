// Who is calling. Executions always need a session; discovery endpoints need one when API keys are
// configured (otherwise anyone could open a session anyway), and check credentials whenever sent.

import type { Context } from 'koa';
import type { Session, Sessions } from '../session/index.js';

export async function requireSession(ctx: Context, sessions: Sessions): Promise<Session> {
  const { session, refreshed } = await sessions.authenticate(ctx.get('X-Client-ID') || undefined, ctx.get('Authorization') || undefined);
  if (refreshed) {
    ctx.set('X-ATP-Token', refreshed.token);
    ctx.set('X-ATP-Token-Expires', String(refreshed.expiresAt));
  }
  ctx.state.clientId = session.clientId;
  return session;
}

export async function optionalSession(ctx: Context, sessions: Sessions): Promise<Session | undefined> {
  const presented = ctx.get('X-Client-ID') || ctx.get('Authorization');
  if (!presented && !sessions.requiresApiKey) return undefined;
  return requireSession(ctx, sessions);
}
