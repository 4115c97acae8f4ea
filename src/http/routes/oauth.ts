// Users' sign-ins to groups that call their API as the user: GET /oauth/callback (where the provider sends the
// browser back; answers a plain page), GET /api/oauth/:group (signed in? else a sign-in link) and
// DELETE /api/oauth/:group (sign out: the token is forgotten, and revoked where the provider allows).

import type { Context } from 'koa';
import type { AppDeps, UserSignIns } from '../types.js';
import { requireSession } from '../auth.js';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';

export function oauthRoutes(deps: AppDeps): Route[] {
  const signIns = deps.signIns;
  if (!signIns) return [];
  return [
    { method: 'GET', path: '/oauth/callback', handler: (ctx) => callback(ctx, signIns, deps) },
    {
      method: 'GET',
      path: '/api/oauth/:group',
      async handler(ctx, params) {
        const session = await requireSession(ctx, deps.sessions);
        known(signIns, params.group);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { group: params.group, ...(await signIns.status(params.group, session.clientId)) };
      },
    },
    {
      method: 'DELETE',
      path: '/api/oauth/:group',
      async handler(ctx, params) {
        const session = await requireSession(ctx, deps.sessions);
        known(signIns, params.group);
        ctx.body = { group: params.group, ...(await signIns.signOut(params.group, session.clientId)) };
      },
    },
  ];
}

function known(signIns: UserSignIns, group: string): void {
  if (!signIns.has(group)) throw new HttpError(404, `${group} is not an API group whose users sign in (auth: oauth2 with flow authorizationCode, or a remote MCP server with auth: oauth2)`);
}

async function callback(ctx: Context, signIns: UserSignIns, deps: AppDeps): Promise<void> {
  // a value given twice is no value: the provider sends each once
  const query = Object.fromEntries(Object.entries(ctx.query).map(([key, value]) => [key, typeof value === 'string' ? value : undefined]));
  try {
    const { group } = await signIns.complete(query);
    page(ctx, 200, `Signed in to ${group}`, `You are signed in to ${group}. You can close this window and return to the agent; its next run acts as you.`);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status !== 'number') {
      deps.logger.error(`GET /oauth/callback failed: ${(error as Error).message}`, { requestId: ctx.state.requestId as string | undefined, stack: (error as Error).stack });
      page(ctx, 500, 'Sign-in failed', `The server could not complete the sign-in (request id ${String(ctx.state.requestId)}). Run the code again for a new link.`);
      return;
    }
    page(ctx, status, 'Sign-in failed', (error as Error).message);
  }
}

/** A plain page for the person in the browser: nothing to run, nothing to send on (the address holds the code). */
function page(ctx: Context, status: number, title: string, message: string): void {
  ctx.status = status;
  ctx.set({
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'",
    'X-Content-Type-Options': 'nosniff',
  });
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>\n<body><h1>${escape(title)}</h1>\n<p>${escape(message)}</p></body></html>\n`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
