// POST /api/init: a new session (client id + token), with the client's tools and declared services.

import type { Context } from 'koa';
import type { ClientServices, ClientToolDefinition } from '../../execution/index.js';
import type { AppDeps } from '../types.js';
import { readJsonObject } from '../body.js';
import { badField, HttpError } from '../errors.js';
import type { Route } from '../router.js';
import { apiKeyIdentity } from '../../session/index.js';

export function initRoute(deps: AppDeps): Route {
  return {
    method: 'POST',
    path: '/api/init',
    async handler(ctx: Context) {
      const apiKey = presentedApiKey(ctx);
      if (!deps.sessions.apiKeyAccepted(apiKey)) {
        throw new HttpError(401, 'an API key is required to open a session: send Authorization: Bearer <key> or X-API-Key: <key>', { 'WWW-Authenticate': 'Bearer' });
      }
      const body = await readJsonObject(ctx, deps.config.server.bodyLimit);
      const tools = clientTools(body.tools);
      for (const tool of tools) refuseClash(deps, tool);
      const { session, token } = await deps.sessions.create({
        tools,
        services: declaredServices(body.services, tools),
        ...(body.clientInfo !== undefined && { clientInfo: objectField(body.clientInfo, 'clientInfo') }),
        ...(body.guidance !== undefined && { guidance: stringField(body.guidance, 'guidance') }),
        // whose OAuth tokens the session's calls use: every session of one key is the same person
        ...(deps.config.oauth.user === 'apiKey' && apiKey !== undefined && deps.sessions.requiresApiKey && { user: apiKeyIdentity(apiKey) }),
        // who answers this session's pauses, for the audit trail: the key's identity, never the key
        ...(apiKey !== undefined && deps.sessions.requiresApiKey && { apiKeyId: apiKeyIdentity(apiKey) }),
      });
      ctx.body = { clientId: session.clientId, token: token.token, expiresAt: token.expiresAt, tokenRotateAt: token.tokenRotateAt };
    },
  };
}

function presentedApiKey(ctx: Context): string | undefined {
  const header = ctx.get('X-API-Key');
  if (header) return header;
  return /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'))?.[1];
}

function clientTools(raw: unknown): ClientToolDefinition[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badField('tools', 'an array of tool definitions');
  const seen = new Set<string>();
  return raw.map((tool, i) => {
    const where = `tools[${i}]`;
    if (!tool || typeof tool !== 'object' || Array.isArray(tool)) throw badField(where, 'an object with name, description and inputSchema');
    const { name, namespace, description, inputSchema, outputSchema } = tool as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new HttpError(400, `invalid tool definition ${where}: name is required (a non-empty string)`);
    if (typeof description !== 'string') throw new HttpError(400, `invalid tool definition for '${name}': description is required (a string)`);
    if (!isObject(inputSchema)) throw new HttpError(400, `invalid tool definition for '${name}': inputSchema is required (a JSON Schema object)`);
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) throw badField(`${where}.namespace`, 'a non-empty string');
    if (outputSchema !== undefined && !isObject(outputSchema)) throw badField(`${where}.outputSchema`, 'a JSON Schema object');
    const id = `${namespace ?? 'client'}.${name}`;
    if (seen.has(id)) throw new HttpError(400, `invalid tool definitions: two tools are named ${id}`);
    seen.add(id);
    return {
      name,
      description,
      inputSchema: inputSchema as Record<string, unknown>,
      ...(namespace !== undefined && { namespace: namespace as string }),
      ...(outputSchema !== undefined && { outputSchema: outputSchema as Record<string, unknown> }),
    };
  });
}

/** A client tool must not shadow a server function or namespace: api.<namespace>.<name> would be ambiguous. */
function refuseClash(deps: AppDeps, tool: ClientToolDefinition): void {
  const id = `${tool.namespace ?? 'client'}.${tool.name}`;
  for (const entry of deps.catalog.entries()) {
    if (entry.id === id || entry.id.startsWith(id + '.')) {
      throw new HttpError(400, `invalid tool definition for '${tool.name}': api.${id} is already a server function or namespace; choose another name or namespace`);
    }
  }
}

function declaredServices(raw: unknown, tools: ClientToolDefinition[]): ClientServices {
  const services = { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false };
  if (raw !== undefined && raw !== null) {
    if (!isObject(raw)) throw badField('services', 'an object of booleans (hasLLM, hasApproval, hasEmbedding, hasTools)');
    for (const flag of Object.keys(services) as (keyof ClientServices)[]) {
      const value = (raw as Record<string, unknown>)[flag];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') throw badField(`services.${flag}`, 'true or false');
      services[flag] = value;
    }
  }
  services.hasTools ||= tools.length > 0;
  return services;
}

function objectField(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value)) throw badField(field, 'an object');
  return value as Record<string, unknown>;
}

function stringField(value: unknown, field: string): string {
  if (typeof value !== 'string') throw badField(field, 'a string');
  return value;
}

function isObject(value: unknown): boolean {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
