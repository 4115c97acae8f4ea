// A route table: exact paths and /api/resume/:id. Unknown paths are 404, known paths with another method 405.
// Exact paths are found in a map, so a request costs one lookup, not a regular expression per route.

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

/** The routes of one path: by method, and the methods allowed there (405's Allow header). */
interface PathRoutes { byMethod: Map<string, Route>; allow: string }

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function router(routes: Route[]) {
  const exact = new Map<string, PathRoutes>();
  const patterned: Compiled[] = [];
  for (const route of routes) {
    if (route.path.includes(':')) {
      patterned.push(compile(route));
      continue;
    }
    // a trailing slash is the same path
    for (const path of [route.path, `${route.path}/`]) {
      const entry = exact.get(path) ?? { byMethod: new Map<string, Route>(), allow: '' };
      if (!entry.byMethod.has(route.method)) entry.byMethod.set(route.method, route);
      entry.allow = [...entry.byMethod.keys()].join(', ');
      exact.set(path, entry);
    }
  }
  return async function dispatch(ctx: Context, _next: Next): Promise<void> {
    const path = ctx.path;
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const fixed = exact.get(path);
    if (fixed) {
      const route = fixed.byMethod.get(method);
      if (!route) throw notAllowed(ctx.method, path, fixed.allow);
      ctx.state.route = route.path;
      return route.handler(ctx, NO_PARAMS);
    }
    const matching = patterned.filter((route) => route.pattern.test(path));
    if (matching.length === 0) throw new HttpError(404, `not found: ${ctx.method} ${path}`);
    const route = matching.find((candidate) => candidate.method === method);
    if (!route) throw notAllowed(ctx.method, path, [...new Set(matching.map((candidate) => candidate.method))].join(', '));
    ctx.state.route = route.path; // the template, for logs and traces: /api/resume/:executionId
    const values = route.pattern.exec(path)!.slice(1);
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(values[i])]));
    return route.handler(ctx, params);
  };
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

function notAllowed(method: string, path: string, allow: string): HttpError {
  return new HttpError(405, `${method} is not allowed on ${path}; use ${allow}`, { Allow: allow });
}
