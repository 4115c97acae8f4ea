// GET /metrics: every metric in the Prometheus text format (config telemetry.metrics.prometheus). On the server's
// address it needs the scraper's token; on a listener of its own (a port on a private interface) the token is
// asked for only when one is configured.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';

/** What the route reads the metrics from. */
export interface MetricsText {
  /** Every metric now, as Prometheus text. */
  scrape(): Promise<string>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function metricsRoute(metrics: MetricsText, token: string | undefined): Route {
  const expected = token === undefined ? undefined : digest(token);
  return {
    method: 'GET',
    path: '/metrics',
    async handler(ctx: Context) {
      if (expected && !presents(ctx, expected)) {
        throw new HttpError(401, 'metrics need the scraper token: send Authorization: Bearer <telemetry.metrics.prometheus.token>', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      }
      const text = await metrics.scrape();
      ctx.set('Cache-Control', 'no-store');
      ctx.type = CONTENT_TYPE;
      ctx.body = text;
    },
  };
}

/** Compared as digests, in constant time: how long the check takes says nothing of the token. */
function presents(ctx: Context, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
  return match !== null && timingSafeEqual(digest(match[1]), expected);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
