// CORS from server.cors: off by default; true allows any origin; an object lists origins.

import type { Context, Next } from 'koa';
import type { ServerConfig } from '../config/index.js';

// Mcp-*: browser MCP clients of /mcp (server.mcp) send and read the session and protocol version
const ALLOW_HEADERS = 'Content-Type, Authorization, X-Client-ID, X-API-Key, X-Request-ID, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID';
const EXPOSE_HEADERS = 'X-ATP-Token, X-ATP-Token-Expires, X-Request-ID, X-ATP-Execution-Id, Mcp-Session-Id';
const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';

export function corsMiddleware(cors: ServerConfig['cors'] | true) {
  const settings = cors === true ? { origins: ['*'], credentials: false, maxAge: undefined } : cors;
  if (!settings) return undefined;
  const any = settings.origins.includes('*');
  const allowed = new Set(settings.origins);
  return async function corsHeaders(ctx: Context, next: Next): Promise<void> {
    const origin = ctx.get('Origin');
    if (!origin || (!any && !allowed.has(origin))) return next();
    ctx.set('Access-Control-Allow-Origin', any && !settings.credentials ? '*' : origin);
    ctx.vary('Origin');
    if (settings.credentials) ctx.set('Access-Control-Allow-Credentials', 'true');
    ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    if (ctx.method !== 'OPTIONS') return next();
    ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
    ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
    if (settings.maxAge !== undefined) ctx.set('Access-Control-Max-Age', String(Math.floor(settings.maxAge / 1000)));
    ctx.status = 204;
  };
}
