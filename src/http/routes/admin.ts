// POST /admin/reload: re-reads the config and applies it as SIGHUP does, answering what happened. Off unless
// auth.adminKey is set; callers send it as a bearer token.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';

/** What the admin endpoint asks of src/server. */
export interface AdminActions {
  /** auth.adminKey of the config serving now; the endpoint is off without one. */
  key(): string | undefined;
  reload(): Promise<{ applied: boolean; generation: number; messages: string[]; kept: string[]; missing: string[] }>;
}

export function adminRoutes(admin: AdminActions | undefined): Route[] {
  if (!admin) return [];
  return [{
    method: 'POST',
    path: '/admin/reload',
    async handler(ctx: Context) {
      const key = admin.key();
      if (!key) throw new HttpError(404, 'POST /admin/reload is off: set auth.adminKey in the config to turn it on (a SIGHUP applies it)');
      if (!presents(ctx, key)) {
        throw new HttpError(401, 'the admin endpoint needs the admin key: send Authorization: Bearer <auth.adminKey>', { 'WWW-Authenticate': 'Bearer realm="admin"' });
      }
      const result = await admin.reload();
      ctx.set('Cache-Control', 'no-store');
      if (result.applied) {
        ctx.body = { reloaded: true, generation: result.generation, kept: result.kept, missingGroups: result.missing };
        return;
      }
      ctx.status = 422;
      ctx.body = {
        reloaded: false,
        error: 'the config was not applied; the running one keeps serving: fix the problems (atp validate lists them too) and reload again',
        problems: result.messages,
        generation: result.generation,
        requestId: ctx.state.requestId as string | undefined,
      };
    },
  }];
}

/** Compared as digests, in constant time: how long the check takes says nothing of the key. */
function presents(ctx: Context, key: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
  return match !== null && timingSafeEqual(digest(match[1]), digest(key));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
