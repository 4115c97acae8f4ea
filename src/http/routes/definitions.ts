// GET /api/definitions?apiGroups=a,b: TypeScript of api.* for the LLM to read before writing code.

import type { Session } from '../../session/index.js';
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
      const groups = listParam(ctx.query.apiGroups);
      if (groups) {
        const unknown = groups.filter((name) => !selectsSomething(deps, name, session));
        if (unknown.length > 0) {
          const known = deps.catalog.groups.map((group) => group.name).join(', ') || 'none';
          throw new HttpError(400, `apiGroups names nothing for ${unknown.join(', ')}; known groups: ${known} (a namespace such as github.issues works too)`);
        }
      }
      const mode = ctx.query.mode;
      if (mode !== undefined && mode !== 'full' && mode !== 'index' && mode !== 'auto') throw new HttpError(400, 'mode must be full, index or auto');
      const { typescript, apiGroups } = deps.discovery.definitions(groups, session, mode);
      ctx.body = { typescript, apiGroups, version: deps.version, ...(session?.guidance !== undefined && { guidance: session.guidance }) };
    },
  };
}

/** A group, namespace or function id of the catalog, or a client tool namespace of this session. */
function selectsSomething(deps: AppDeps, name: string, session: Session | undefined): boolean {
  for (const entry of deps.catalog.entries()) if (entry.id === name || entry.id.startsWith(name + '.')) return true;
  return session?.tools.some((tool) => (tool.namespace ?? 'client') === name.split('.')[0]) ?? false;
}

/** `a,b` or repeated parameters -> ['a', 'b']; absent or empty -> undefined. */
export function listParam(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
  return items.length > 0 ? items : undefined;
}
