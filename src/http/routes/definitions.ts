// GET /api/definitions?apiGroups=a,b: TypeScript of api.* for the LLM to read before writing code.

import type { AppDeps } from '../types.js';
import { optionalSession } from '../auth.js';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';

export function definitionsRoute(deps: AppDeps): Route {
  return {
    method: 'GET',
    path: '/api/definitions',
    async handler(ctx) {
      const session = await optionalSession(ctx, deps.sessions);
      const generate = deps.discovery.definitions;
      if (!generate) throw new HttpError(501, 'type definitions are not available in this build yet');
      const groups = listParam(ctx.query.apiGroups);
      if (groups) {
        const known = new Set(deps.catalog.groups.map((group) => group.name));
        const unknown = groups.filter((group) => !known.has(group));
        if (unknown.length > 0) {
          throw new HttpError(400, `unknown API group${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in apiGroups; known: ${[...known].join(', ') || 'none'}`);
        }
      }
      const { typescript, apiGroups } = generate(groups, session);
      ctx.body = { typescript, apiGroups, version: deps.version };
    },
  };
}

/** `a,b` or repeated parameters -> ['a', 'b']; absent or empty -> undefined. */
export function listParam(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}
