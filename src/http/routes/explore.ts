// POST /api/explore {path}: the functions as a folder tree, `/` -> groups -> ... -> a function.

import type { AppDeps } from '../types.js';
import { optionalSession } from '../auth.js';
import { readJsonObject } from '../body.js';
import { badField, HttpError } from '../errors.js';
import type { Route } from '../router.js';

export function exploreRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/explore',
    async handler(ctx) {
      await optionalSession(ctx, deps.sessions);
      const body = await readJsonObject(ctx, deps.config.server.bodyLimit);
      const raw = body.path ?? '/';
      if (typeof raw !== 'string') throw badField('path', 'a string such as / or /github/issues');
      const node = deps.discovery.explore(raw);
      if (!node) throw new HttpError(404, `Path not found: ${normalizePath(raw)}`);
      ctx.body = node;
    },
  };
}

/** Leading slash added, trailing and repeated slashes removed, empty -> `/`. */
export function normalizePath(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return '/' + parts.join('/');
}
