// What every tool source produces: groups of tools with JSON Schemas and an invoke function.
// Nothing outside src/catalog knows whether a tool came from OpenAPI, MCP or a module.

import type { ApiGroupConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Secrets } from '../secrets/index.js';
import type { Metrics } from '../telemetry/index.js';

export type JsonSchema = { [keyword: string]: unknown } | boolean;

export interface ToolAnnotations {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  requiresApproval?: boolean;
  /** Free-form keywords that help search (OpenAPI tags, MCP titles). */
  keywords?: string[];
}

export interface CallContext {
  signal: AbortSignal;
  executionId?: string;
  clientId?: string;
  /** Progress reported by the tool itself (MCP progress notifications). */
  onProgress?(message: string, fraction?: number): void;
  /** The call's W3C trace context (traceparent, tracestate), sent with its upstream requests; only when tracing is on. */
  trace?: Readonly<Record<string, string>>;
}

export interface Tool {
  /** Path under the group: ['issues', 'create'] is api.<group>.issues.create. Each part is an identifier. */
  path: string[];
  /** The name in its source (operationId, MCP tool name), kept for descriptions, explore and audit. */
  sourceName: string;
  description: string;
  /**
   * What the source says of it beyond `description` (an OpenAPI operation's whole description, its tags'
   * descriptions), for search to read; never shown in declarations, which keep to the short description.
   */
  details?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  /** True when outputSchema was learned from observed results rather than declared. */
  outputInferred?: boolean;
  annotations: ToolAnnotations;
  invoke(input: unknown, ctx: CallContext): Promise<unknown>;
  /**
   * The error invoke would throw for this input before running anything (VALIDATION_FAILED), or undefined: lets
   * a call be refused before a person is asked to approve it. A source without it is asked for as it is.
   */
  checkInput?(input: unknown): Error | undefined;
}

export interface ToolGroup {
  name: string;
  kind: ApiGroupConfig['type'];
  description?: string;
  tools: Tool[];
  close(): Promise<void>;
  /** Calls listener after `tools` or a tool's schemas changed (MCP tools/list_changed, learned output types); returns unsubscribe. */
  onChange?(listener: () => void): () => void;
}

/** A keyv-like store (the state store is a Keyv instance): what loaders and the catalog keep across restarts. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<unknown>;
}

export interface LoadContext {
  logger: Logger;
  /** Folder of the config file; relative paths were already resolved against it. */
  configDir: string;
  signal?: AbortSignal;
  /** Learned output types and MCP tool lists survive restarts here; in memory only when absent. */
  store?: KeyValueStore;
  /** The process's secrets: a loader adds what it fetches (access tokens), so logs and answers mask them too. */
  secrets?: Secrets;
  /** Users' own OAuth tokens (auth flow authorizationCode); absent where no user signs in (atp validate). */
  credentials?: UserCredentials;
  /** Upstream retries counted by group (config `telemetry.metrics`). */
  metrics?: Metrics;
}

/** A group's OAuth provider for the authorization code flow: the config over the OpenAPI document's securitySchemes. */
export interface OAuthProvider {
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl?: string;
  /** Absent when the client registers itself (registrationUrl). */
  clientId?: string;
  clientSecret?: string;
  scopes: string[];
  audience?: string;
  pkce: boolean;
  /** RFC 8707 resource indicator sent with the sign-in and every grant (remote MCP servers: the server's URL). */
  resource?: string;
  /** RFC 7591 endpoint: with no clientId configured, a client is registered here for each redirect URI. */
  registrationUrl?: string;
}

/** Keeps each user's tokens per group (src/oauth); a loader registers its group's provider and asks for tokens per call. */
export interface UserCredentials {
  register(group: string, provider: OAuthProvider): GroupCredentials;
}

export interface GroupCredentials {
  /**
   * The access token of the user behind this client (refreshed when it is about to expire); throws
   * AuthorizationRequiredError when that user has not signed in to the group.
   */
  accessToken(clientId: string | undefined, signal: AbortSignal): Promise<string>;
  /** The upstream refused the token: the next accessToken refreshes it; true when that is worth a retry. */
  invalidate(clientId: string | undefined): boolean;
  /** Calls listener after a user of this group signs in, with that user's token (MCP groups list their tools with it). */
  onSignIn?(listener: (token: (signal: AbortSignal) => Promise<string>) => void): void;
}

export interface Loader<C extends ApiGroupConfig = ApiGroupConfig> {
  load(config: C, ctx: LoadContext): Promise<ToolGroup>;
}

/** A group that could not be loaded, with a message that says why and what to do. */
export class GroupLoadError extends Error {
  readonly group: string;
  constructor(group: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GroupLoadError';
    this.group = group;
  }
}

/**
 * The largest answer a tool source takes for one call (an MCP message, an HTTP body): a larger one is refused
 * with an error that says so, rather than held in this process's memory. Parsed, JSON takes several times
 * its text, so a sandbox with the default 128 MB could not hold even this much.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Answers a loader found free of the process's secrets when it read them (one scan of the text they were parsed
 * from, which costs a fifth of walking the parsed value): the guard's masking skips them. Objects only, not
 * changed after they are added.
 */
export const secretFree = new WeakSet<object>();

/** Why a tool call failed, in terms an agent can act on; `code` follows the protocol's error codes. */
export type ToolCallErrorCode = 'VALIDATION_FAILED' | 'HTTP_ERROR' | 'NETWORK_ERROR' | 'TIMEOUT_ERROR' | 'RATE_LIMIT_EXCEEDED' | 'AUTHORIZATION_REQUIRED';

/**
 * A tool call that failed: invalid input, an upstream's non-2xx answer (status and a body excerpt), no answer.
 * Its message is what the sandbox shows; it never carries a secret.
 */
export class ToolCallError extends Error {
  readonly code: ToolCallErrorCode;
  readonly status?: number;
  /** The first bytes of the upstream's answer, secrets removed. */
  readonly body?: string;
  readonly retryable: boolean;
  /** Seconds the upstream asked to wait (429/503 Retry-After). */
  readonly retryAfter?: number;
  constructor(message: string, options: { code: ToolCallErrorCode; status?: number; body?: string; retryable?: boolean; retryAfter?: number }) {
    super(message);
    this.name = 'ToolCallError';
    this.code = options.code;
    if (options.status !== undefined) this.status = options.status;
    if (options.body !== undefined) this.body = options.body;
    this.retryable = options.retryable ?? false;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/**
 * The group acts for a person who has not signed in to it (or whose sign-in ended): the agent shows
 * `authorizationUrl` to the person, who consents; the next call carries their token.
 */
export class AuthorizationRequiredError extends ToolCallError {
  readonly group: string;
  readonly authorizationUrl?: string;
  constructor(group: string, message: string, authorizationUrl?: string) {
    super(message, { code: 'AUTHORIZATION_REQUIRED', status: 401 });
    this.name = 'AuthorizationRequiredError';
    this.group = group;
    if (authorizationUrl !== undefined) this.authorizationUrl = authorizationUrl;
  }
}
