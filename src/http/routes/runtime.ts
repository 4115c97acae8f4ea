// GET /api/runtime?apis=llm,cache: TypeScript of the atp.* runtime. By default the services this client
// declared at init (llm, approval, embedding) plus the ones always there.

import type { AppDeps } from '../types.js';
import { optionalSession } from '../auth.js';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';
import { listParam } from './definitions.js';

const CLIENT_SERVED = { llm: 'hasLLM', approval: 'hasApproval', embedding: 'hasEmbedding' } as const;
const ALWAYS = ['cache', 'log', 'progress'];
export const RUNTIME_APIS = [...Object.keys(CLIENT_SERVED), ...ALWAYS];

export function runtimeRoute(deps: AppDeps): Route {
  return {
    method: 'GET',
    path: '/api/runtime',
    async handler(ctx) {
      const session = await optionalSession(ctx, deps.sessions);
      let apis = listParam(ctx.query.apis);
      if (apis) {
        const unknown = apis.filter((api) => !RUNTIME_APIS.includes(api));
        if (unknown.length > 0) throw new HttpError(400, `unknown runtime API ${unknown.join(', ')} in apis; known: ${RUNTIME_APIS.join(', ')}`);
      } else {
        const served = Object.entries(CLIENT_SERVED).filter(([, flag]) => session?.services[flag]).map(([api]) => api);
        apis = [...served, ...ALWAYS];
      }
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = deps.discovery.runtime(apis);
    },
  };
}
