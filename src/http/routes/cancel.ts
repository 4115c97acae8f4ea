// POST /api/cancel/:executionId: the client ends its own execution, running or paused; answers its result
// (status `cancelled`, or how it ended if it ended first). Another client's id is 404, as an unknown one.

import type { AppDeps } from '../types.js';
import { requireSession } from '../auth.js';
import type { Route } from '../router.js';

export function cancelRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/cancel/:executionId',
    async handler(ctx, params) {
      const session = await requireSession(ctx, deps.sessions);
      ctx.body = await deps.executor.cancel(params.executionId, session.clientId, 'request');
    },
  };
}
