// GET /healthz: the process answers. GET /readyz: it listens and is not draining (for load balancers).

import type { AppDeps } from '../types.js';
import type { Route } from '../router.js';

export function healthRoutes(deps: AppDeps): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: (ctx) => void (ctx.body = { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handler(ctx) {
        const { ready, draining } = deps.lifecycle;
        ctx.status = ready && !draining ? 200 : 503;
        ctx.body = { status: draining ? 'draining' : ready ? 'ready' : 'starting', functions: deps.catalog.size };
      },
    },
  ];
}
