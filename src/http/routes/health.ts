// GET /healthz: the process answers. GET /readyz: it listens, is not draining and its state store answers (for
// load balancers); 200 also while optional groups are missing ("degraded", they are named), else 503.

import type { AppDeps } from '../types.js';
import type { Route } from '../router.js';

/** What /readyz checks beyond the lifecycle: src/server gives it. */
export interface ReadinessProbe {
  /** Optional groups configured but not loaded (retried in the background). */
  missingGroups(): string[];
  /** A read of the state store with a short deadline. */
  pingStore(): Promise<'ok' | 'unreachable' | 'timeout'>;
}

export function healthRoutes(deps: AppDeps & { readiness?: ReadinessProbe }): Route[] {
  return [
    { method: 'GET', path: '/healthz', handler: (ctx) => void (ctx.body = { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      async handler(ctx) {
        const { ready, draining } = deps.lifecycle;
        const missingGroups = deps.readiness?.missingGroups() ?? [];
        const stateStore = ready && !draining && deps.readiness ? await deps.readiness.pingStore() : undefined;
        const status = draining ? 'draining' : !ready ? 'starting' : stateStore !== undefined && stateStore !== 'ok' ? 'unavailable' : missingGroups.length > 0 ? 'degraded' : 'ready';
        ctx.status = status === 'ready' || status === 'degraded' ? 200 : 503;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { status, functions: deps.catalog.size, missingGroups, ...(stateStore !== undefined && { stateStore }) };
      },
    },
  ];
}
