// POST /api/execute {code, config?}: runs agent code; answers an ExecutionResult (HTTP 200 for every outcome).

import type { Context } from 'koa';
import type { ExecuteRequest } from '../../execution/index.js';
import type { AppDeps } from '../types.js';
import { requireSession } from '../auth.js';
import { readJsonObject } from '../body.js';
import { badField, HttpError } from '../errors.js';
import { parseExecutionConfig } from '../execution-config.js';
import { sendJson } from '../json.js';
import type { Route } from '../router.js';

export function executeRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/execute',
    async handler(ctx) {
      const request = await executeRequest(ctx, deps);
      sendJson(ctx, await deps.executor.execute(request));
    },
  };
}

/** Everything an execution needs from the request, checked before anything runs. */
export async function executeRequest(ctx: Context, deps: AppDeps): Promise<ExecuteRequest> {
  return (await readExecuteRequest(ctx, deps)).request;
}

/** The request, and the `config` it came with (the stream reads options of its own there). */
export async function readExecuteRequest(ctx: Context, deps: AppDeps): Promise<{ request: ExecuteRequest; config: unknown }> {
  refuseWhileDraining(deps);
  const session = await requireSession(ctx, deps.sessions);
  const body = await readJsonObject(ctx, deps.config.server.bodyLimit);
  if (typeof body.code !== 'string') throw badField('code', 'a string of TypeScript or JavaScript');
  if (body.code.trim() === '') throw badField('code', 'non-empty');
  // the reference server accepts `options` for `config`; so do we
  const config = body.config ?? body.options;
  const settings = parseExecutionConfig(config, deps.config.execution, session);
  return { request: { code: body.code, clientId: session.clientId, clientTools: session.tools, ...settings }, config };
}

export function refuseWhileDraining(deps: AppDeps): void {
  if (deps.lifecycle.draining) {
    throw new HttpError(503, 'the server is shutting down; retry on another instance or after it restarts', { Connection: 'close', 'Retry-After': '1' });
  }
}
