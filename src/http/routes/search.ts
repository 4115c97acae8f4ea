// POST /api/search {query, apiGroups?, maxResults?, useEmbeddings?} (and GET ?query=): functions, best first.

import type { Context } from 'koa';
import type { AppDeps } from '../types.js';
import { optionalSession } from '../auth.js';
import { readJsonObject } from '../body.js';
import { badField } from '../errors.js';
import type { Route } from '../router.js';
import { listParam } from './definitions.js';

const MAX_RESULTS = 100;

export function searchRoutes(deps: AppDeps): Route[] {
  const run = async (ctx: Context, input: Record<string, unknown>) => {
    const { query, apiGroups, maxResults, useEmbeddings } = input;
    if (typeof query !== 'string' || query.trim() === '') throw badField('query', 'a non-empty string');
    if (apiGroups !== undefined && (!Array.isArray(apiGroups) || !apiGroups.every((g) => typeof g === 'string'))) throw badField('apiGroups', 'an array of group names');
    if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1)) throw badField('maxResults', 'a whole number, 1 or more');
    if (useEmbeddings !== undefined && typeof useEmbeddings !== 'boolean') throw badField('useEmbeddings', 'true or false');
    const results = await deps.discovery.search(query, {
      ...(apiGroups !== undefined && { apiGroups: apiGroups as string[] }),
      maxResults: Math.min((maxResults as number | undefined) ?? deps.config.search.maxResults, MAX_RESULTS),
      ...(useEmbeddings !== undefined && { useEmbeddings: useEmbeddings as boolean }),
    });
    ctx.body = { results };
  };
  return [
    {
      method: 'POST',
      path: '/api/search',
      async handler(ctx) {
        await optionalSession(ctx, deps.sessions);
        await run(ctx, await readJsonObject(ctx, deps.config.server.bodyLimit));
      },
    },
    {
      method: 'GET',
      path: '/api/search',
      async handler(ctx) {
        await optionalSession(ctx, deps.sessions);
        const query = ctx.query.query ?? ctx.query.keyword;
        const maxResults = ctx.query.maxResults === undefined ? undefined : Number(ctx.query.maxResults);
        await run(ctx, { query, apiGroups: listParam(ctx.query.apiGroups), maxResults });
      },
    },
  ];
}
