// POST /api/resume/:executionId {result} or {results: [{id, result}]}: answers a pause; may pause again.

import type { ResumeAnswer } from '../../execution/index.js';
import type { AppDeps } from '../types.js';
import { requireSession } from '../auth.js';
import { readJsonObject } from '../body.js';
import { badField, HttpError } from '../errors.js';
import { sendJson } from '../json.js';
import type { Route } from '../router.js';
import { refuseWhileDraining } from './execute.js';

export function resumeRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/resume/:executionId',
    async handler(ctx, params) {
      refuseWhileDraining(deps);
      const session = await requireSession(ctx, deps.sessions);
      const answer = resumeAnswer(await readJsonObject(ctx, deps.config.server.bodyLimit));
      sendJson(ctx, await deps.executor.resume(params.executionId, session.clientId, session.apiKeyId ? { ...answer, apiKeyId: session.apiKeyId } : answer));
    },
  };
}

function resumeAnswer(body: Record<string, unknown>): ResumeAnswer {
  if ('results' in body) {
    const results = body.results;
    if (!Array.isArray(results)) throw badField('results', 'an array of {id, result}');
    return {
      results: results.map((entry, i) => {
        if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw badField(`results[${i}]`, 'an object {id, result}');
        const { id, result } = entry as Record<string, unknown>;
        if (typeof id !== 'string' || id === '') throw badField(`results[${i}].id`, 'the id of a callback from needsCallbacks');
        if (!('result' in entry)) throw new HttpError(400, `results[${i}].result is missing`);
        return { id, result };
      }),
    };
  }
  if ('result' in body) return { result: body.result };
  throw new HttpError(400, 'the body needs result (the answer to needsCallback) or results (answers to needsCallbacks, by id)');
}
