// MCP's authorization for a remote server (auth: { type: oauth2 }): where its users sign in, found as the spec
// says: the server's 401 challenge (WWW-Authenticate resource_metadata) or its well-known protected resource
// metadata (RFC 9728), then its authorization server's metadata (RFC 8414, else OpenID discovery). The MCP
// SDK's helpers do the lookups; the config overrides what they find.

import { discoverAuthorizationServerMetadata, discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { checkResourceAllowed, resourceUrlFromServerUrl } from '@modelcontextprotocol/sdk/shared/auth-utils.js';
import type { OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import type { OAuthProvider } from '../../types.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The provider of a remote MCP server's users' sign-ins; throws saying what was looked for and what to set. */
export async function discoverProvider(config: McpGroupConfig, timeoutMs: number): Promise<OAuthProvider> {
  const auth = config.auth!;
  const server = new URL(config.url!);
  const shown = `${server.origin}${server.pathname}`;
  const fetchFn: FetchLike = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const challenge = await challengeOf(server, config.headers ?? {}, fetchFn, shown);
  let resourceMetadata: OAuthProtectedResourceMetadata | undefined;
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(server, { resourceMetadataUrl: challenge.resourceMetadataUrl }, fetchFn);
  } catch (error) {
    if (challenge.resourceMetadataUrl) throw new Error(`the MCP server at ${shown} names its resource metadata at ${challenge.resourceMetadataUrl.href}, which could not be read: ${(error as Error).message}`);
    // an older server: its own origin is the authorization server (the MCP spec's 2025-03-26 fallback)
  }
  const issuer = resourceMetadata?.authorization_servers?.[0] ?? server.origin;
  const metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn, protocolVersion: LATEST_PROTOCOL_VERSION }).catch((error: Error) => {
    throw new Error(`the authorization server ${issuer} of the MCP server at ${shown} has metadata that cannot be read: ${error.message}`);
  });
  const authorizationUrl = auth.authorizationUrl ?? metadata?.authorization_endpoint;
  const tokenUrl = auth.tokenUrl ?? metadata?.token_endpoint;
  const missing = !authorizationUrl ? 'authorizationUrl' : !tokenUrl ? 'tokenUrl' : undefined;
  if (missing) {
    const looked = metadata ? `the metadata of ${issuer} has no ${missing === 'authorizationUrl' ? 'authorization_endpoint' : 'token_endpoint'}` : `no authorization server metadata was found at ${issuer} (RFC 8414 or OpenID discovery)`;
    throw new Error(`the MCP server at ${shown} does not say where its users sign in: ${looked}; set auth.${missing} in the group`);
  }
  const methods = metadata?.code_challenge_methods_supported;
  if (methods && !methods.includes('S256')) {
    throw new Error(`the authorization server ${issuer} does not take PKCE challenges with S256 (it lists ${methods.join(', ') || 'none'}), which MCP's authorization requires`);
  }
  const registrationUrl = auth.clientId ? undefined : metadata?.registration_endpoint;
  if (!auth.clientId && !registrationUrl) {
    throw new Error(`the authorization server ${issuer} does not register clients dynamically (no registration_endpoint): register atp there by hand and set auth.clientId (and auth.clientSecret) in the group`);
  }
  const scopes = auth.scopes ?? challenge.scope?.split(' ').filter(Boolean) ?? resourceMetadata?.scopes_supported ?? [];
  const revocationUrl = auth.revocationUrl ?? (metadata as { revocation_endpoint?: string } | undefined)?.revocation_endpoint;
  return {
    authorizationUrl: authorizationUrl!,
    tokenUrl: tokenUrl!,
    scopes,
    pkce: true,
    resource: resourceOf(server, resourceMetadata, shown),
    ...(revocationUrl && { revocationUrl }),
    ...(auth.clientId && { clientId: auth.clientId }),
    ...(auth.clientSecret && { clientSecret: auth.clientSecret }),
    ...(registrationUrl && { registrationUrl }),
  };
}

/** What the server says to a request without a token: the resource metadata's address and the scope, from a 401. */
async function challengeOf(server: URL, headers: Record<string, string>, fetchFn: FetchLike, shown: string): Promise<{ resourceMetadataUrl?: URL; scope?: string }> {
  const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'atp', version: '0' } } };
  let response: Response;
  try {
    response = await fetchFn(server, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initialize),
      redirect: 'manual',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new Error(`could not reach the MCP server at ${shown}: ${cause === 'ECONNREFUSED' ? 'connection refused; is it running?' : cause}`);
  }
  await response.body?.cancel();
  return response.status === 401 ? extractWWWAuthenticateParams(response) : {};
}

/** RFC 8707: the resource the tokens are for; the metadata's, when it covers this server's URL. */
function resourceOf(server: URL, metadata: OAuthProtectedResourceMetadata | undefined, shown: string): string {
  const own = resourceUrlFromServerUrl(server);
  if (!metadata?.resource) return own.href;
  if (!checkResourceAllowed({ requestedResource: own, configuredResource: metadata.resource })) {
    throw new Error(`the protected resource metadata of the MCP server at ${shown} is for ${metadata.resource}, not for this server; check url`);
  }
  return metadata.resource;
}
