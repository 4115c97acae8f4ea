// A route table: exact paths and /api/resume/:id. Unknown paths are 404, known paths with another method 405.

import type { Context, Next } from 'koa';
import { HttpError } from './errors.js';

export type Handler = (ctx: Context, params: Record<string, string>) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** `/api/resume/:executionId` style; each :name matches one path segment. */
  path: string;
  handler: Handler;
}

interface Compiled extends Route { pattern: RegExp; names: string[] }

export function router(routes: Route[]) {
  const compiled: Compiled[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path.replace(/:(\w+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { ...route, pattern: new RegExp(`^${source}/?$`), names };
  });
  return async function dispatch(ctx: Context, _next: Next): Promise<void> {
    const matching = compiled.filter((route) => route.pattern.test(ctx.path));
    if (matching.length === 0) throw new HttpError(404, `not found: ${ctx.method} ${ctx.path}`);
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const route = matching.find((candidate) => candidate.method === method);
    if (!route) {
      const allow = [...new Set(matching.map((candidate) => candidate.method))].join(', ');
      throw new HttpError(405, `${ctx.method} is not allowed on ${ctx.path}; use ${allow}`, { Allow: allow });
    }
    ctx.state.route = route.path; // the template, for logs and traces: /api/resume/:executionId
    const values = route.pattern.exec(ctx.path)!.slice(1);
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(values[i])]));
    await route.handler(ctx, params);
  };
}
