// GET /api/info: version, capabilities, and the largest limits a request may ask for.

import type { AppDeps } from '../types.js';
import { optionalSession } from '../auth.js';
import type { Route } from '../router.js';

export function infoRoute(deps: AppDeps): Route {
  return {
    method: 'GET',
    path: '/api/info',
    async handler(ctx) {
      await optionalSession(ctx, deps.sessions);
      const { execution } = deps.config; // read per request: a reload may change the limits
      ctx.body = {
        version: deps.version,
        capabilities: { execution: true, search: Boolean(deps.discovery.search), streaming: true, llmCalls: true },
        limits: { maxTimeout: execution.maxTimeout, maxMemory: execution.maxMemory, maxLLMCalls: execution.maxLLMCalls },
      };
    },
  };
}
