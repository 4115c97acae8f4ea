// The koa app: request id -> errors as JSON -> CORS -> routes. Nothing here knows how code runs.

import Koa from 'koa';
import type { AppDeps } from './types.js';
import { errorMiddleware } from './errors.js';
import { requestId } from './request-id.js';
import { corsMiddleware } from './cors.js';
import { router } from './router.js';
import { initRoute } from './routes/init.js';
import { infoRoute } from './routes/info.js';
import { definitionsRoute } from './routes/definitions.js';
import { runtimeRoute } from './routes/runtime.js';
import { searchRoutes } from './routes/search.js';
import { exploreRoute } from './routes/explore.js';
import { executeRoute } from './routes/execute.js';
import { streamRoute } from './routes/stream.js';
import { resumeRoute } from './routes/resume.js';
import { cancelRoute } from './routes/cancel.js';
import { healthRoutes, type ReadinessProbe } from './routes/health.js';
import { adminRoutes, type AdminActions } from './routes/admin.js';
import { metricsRoute } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth.js';
import { mcpRoutes } from './routes/mcp.js';
import type { McpHttpEndpoint } from '../mcp-server/index.js';

/**
 * `mcp`: MCP over streamable HTTP at /mcp (server.mcp: true). `readiness`: what /readyz checks beyond the lifecycle;
 * `admin`: POST /admin/reload. deps.config, catalog and discovery may change between requests (a reload swaps
 * them): routes read them in their handlers, never when they are built.
 */
export function createApp(deps: AppDeps & { mcp?: McpHttpEndpoint; readiness?: ReadinessProbe; admin?: AdminActions }): Koa {
  const app = new Koa({ proxy: false });
  // koa would print errors itself; ours are logged by errorMiddleware
  app.silent = true;
  app.use(requestId);
  if (deps.telemetry) app.use(deps.telemetry.middleware);
  app.use(errorMiddleware(deps.logger));
  const cors = corsMiddleware(deps.config.server.cors as AppDeps['config']['server']['cors'] | true);
  if (cors) app.use(cors);
  if (deps.logger.enabled('debug')) {
    app.use(async (ctx, next) => {
      const started = performance.now();
      await next();
      deps.logger.debug(`${ctx.method} ${ctx.path} ${ctx.status}`, { requestId: ctx.state.requestId, ms: Math.round(performance.now() - started) });
    });
  }
  app.use(router([
    initRoute(deps),
    infoRoute(deps),
    definitionsRoute(deps),
    runtimeRoute(deps),
    ...searchRoutes(deps),
    exploreRoute(deps),
    executeRoute(deps),
    streamRoute(deps),
    resumeRoute(deps),
    cancelRoute(deps),
    ...healthRoutes(deps),
    ...adminRoutes(deps.admin),
    ...metricsRoutes(deps),
    ...oauthRoutes(deps),
    ...(deps.mcp ? mcpRoutes(deps, deps.mcp) : []),
  ]));
  return app;
}

/** GET /metrics here when Prometheus is configured without a port of its own: always behind its token then. */
function metricsRoutes(deps: AppDeps) {
  const prometheus = deps.config.telemetry.metrics.prometheus;
  if (!deps.metrics || !prometheus?.token || prometheus.port !== undefined) return [];
  return [metricsRoute(deps.metrics, prometheus.token)];
}
