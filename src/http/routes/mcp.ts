// /mcp: MCP over streamable HTTP (server.mcp: true), behind the same API keys as /api/init. POST carries
// JSON-RPC (answered as JSON or an SSE stream of the call's notifications), DELETE ends a session. There is no
// GET stream: whatever a tool call sends (progress, logs, sampling, elicitation) travels on its own POST.

import type { Context } from 'koa';
import { McpSessionError, type McpHttpEndpoint } from '../../mcp-server/index.js';
import { apiKeyIdentity } from '../../session/index.js';
import type { AppDeps } from '../types.js';
import { readJsonObject } from '../body.js';
import { HttpError } from '../errors.js';
import type { Route } from '../router.js';
import { refuseWhileDraining } from './execute.js';

export function mcpRoutes(deps: AppDeps, endpoint: McpHttpEndpoint): Route[] {
  const handler = async (ctx: Context) => {
    refuseWhileDraining(deps);
    refuseForeignOrigin(ctx, deps);
    const apiKey = presentedApiKey(ctx);
    if (!deps.sessions.apiKeyAccepted(apiKey)) {
      throw new HttpError(401, 'an API key is required for /mcp: send Authorization: Bearer <key> (or X-API-Key: <key>)', { 'WWW-Authenticate': 'Bearer' });
    }
    const body = ctx.method === 'POST' ? await readJsonObject(ctx, deps.config.server.bodyLimit) : undefined;
    const key = deps.sessions.requiresApiKey && apiKey !== undefined ? apiKeyIdentity(apiKey) : undefined;
    const caller = { ...(key && { key }), ...(key && deps.config.oauth.user === 'apiKey' && { user: key }) };
    ctx.respond = false; // the SDK's transport writes the answer itself
    try {
      await endpoint.handle(ctx.req, ctx.res, caller, body);
    } catch (error) {
      if (ctx.res.headersSent) {
        deps.logger.warn(`/mcp: the answer broke off: ${(error as Error).message}`);
        return;
      }
      ctx.respond = true;
      if (error instanceof McpSessionError) throw new HttpError(error.status, error.message);
      throw error;
    }
  };
  return [
    { method: 'POST', path: '/mcp', handler },
    { method: 'DELETE', path: '/mcp', handler },
  ];
}

/**
 * MCP asks servers to check Origin (DNS rebinding: a web page whose name now resolves to this host): a browser's
 * request is taken only from an origin server.cors allows; other clients send no Origin.
 */
function refuseForeignOrigin(ctx: Context, deps: AppDeps): void {
  const origin = ctx.get('Origin');
  if (!origin) return;
  const cors = deps.config.server.cors;
  if (cors === true || (cors && (cors.origins.includes('*') || cors.origins.includes(origin)))) return;
  throw new HttpError(403, `requests from the web origin ${origin} are refused at /mcp; list it in server.cors.origins to allow it`);
}

function presentedApiKey(ctx: Context): string | undefined {
  const header = ctx.get('X-API-Key');
  if (header) return header;
  return /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'))?.[1];
}
