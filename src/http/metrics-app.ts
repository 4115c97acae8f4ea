// The app of /metrics on a listener of its own (telemetry.metrics.prometheus.port): that route only, with request
// ids and errors as on the main app, so the API and the metrics can be bound to different interfaces.

import Koa from 'koa';
import type { Logger } from '../logging/index.js';
import { errorMiddleware } from './errors.js';
import { requestId } from './request-id.js';
import { router } from './router.js';
import { metricsRoute, type MetricsText } from './routes/metrics.js';

export function createMetricsApp(metrics: MetricsText, token: string | undefined, logger: Logger): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.use(requestId);
  app.use(errorMiddleware(logger));
  app.use(router([metricsRoute(metrics, token)]));
  return app;
}
