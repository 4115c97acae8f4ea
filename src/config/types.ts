// The typed Config: the schema in schemas/atp.config.schema.json after defaults, with durations in
// milliseconds, sizes in bytes and relative paths made absolute. Nothing else reads the file.

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
/** `proxy` and `ast` are read as `track` (normalize): the names other servers use for the same setting. */
export type ProvenanceMode = 'none' | 'track';
export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

export interface Config {
  /** Absolute path of the file this came from, and its folder (relative paths resolve against it). */
  file: string;
  dir: string;
  /** The text it was read from, named as problems name it: locateIn places problems found once the API groups loaded. */
  source: ConfigText;
  server: ServerConfig;
  auth: AuthConfig;
  oauth: OAuthConfig;
  execution: ExecutionConfig;
  state: StateConfig;
  cache: CacheConfig;
  apis: ApiGroupConfig[];
  search: SearchConfig;
  policies: PoliciesConfig;
  audit: AuditConfig;
  telemetry: TelemetryConfig;
  logging: LoggingConfig;
}

export interface ConfigText {
  /** The file relative to the working directory when inside it, else absolute. */
  name: string;
  text: string;
  /** Where the config sits in the document: [] for atp.yaml, ['atp'] inside package.json. */
  root: readonly string[];
}

export interface ServerConfig {
  host: string;
  port: number;
  /** true allows any origin. */
  cors: boolean | { origins: string[]; credentials: boolean; maxAge?: number };
  bodyLimit: number;
  /** MCP over streamable HTTP at /mcp (code mode for MCP clients), behind auth.apiKeys. */
  mcp: boolean;
}

export interface AuthConfig {
  apiKeys?: string[];
  jwtSecret?: string;
  /** Enables POST /admin/reload for callers presenting it; off when absent. */
  adminKey?: string;
  tokenTTL: number;
  tokenRotation: number;
}

/** User-delegated credentials (groups whose auth is oauth2 with flow authorizationCode). */
export interface OAuthConfig {
  /** Encrypts users' tokens at rest; at least 32 characters. */
  encryptionKey?: string;
  /** Who a token belongs to: the client session, or the API key that opened it. */
  user: 'session' | 'apiKey';
  /** This server's /oauth/callback as browsers reach it; the listen address when absent. */
  redirectUrl?: string;
  stateTTL: number;
  /** Absolute path of the terminal's token file (atp login, atp exec) when state.store is memory://. */
  credentialsFile?: string;
}

export interface ExecutionConfig {
  timeout: number;
  maxTimeout: number;
  memory: number;
  maxMemory: number;
  llmCalls: number;
  maxLLMCalls: number;
  concurrency: number;
  queue: number;
  /** Of `concurrency`, executions of one client at once (default three quarters of it, at least 1). */
  clientConcurrency: number;
  /** Of `queue`, executions of one client waiting (default three quarters of it, rounded up). */
  clientQueue: number;
  pool: number;
  /** client: an isolate per client, a new context per execution; execution: a new isolate per execution. */
  isolation: 'client' | 'execution';
  /** With isolation client: isolates one client holds at once (default: one per core). */
  clientIsolates?: number;
  maxResultSize: number;
  maxLogEntries: number;
  /** IANA time zone agent code sees (default UTC). */
  timezone: string;
  provenance: ProvenanceMode;
}

export interface StateConfig {
  store: string;
  ttl: number;
  maxPauseDuration: number;
  live: { max: number; memory: number };
}

export interface CacheConfig {
  store: string;
  namespace: string;
  defaultTTL: number;
}

export type ApiGroupConfig = OpenApiGroupConfig | McpGroupConfig | ModuleGroupConfig;

interface GroupBase {
  name: string;
  description?: string;
  timeout: number;
  concurrency: number;
  /** Of `concurrency`, calls of one client in flight (default three quarters of it, at least 1). */
  clientConcurrency: number;
  /** When it fails to load, the server starts without it and retries in the background (atp serve). */
  optional?: boolean;
}

export interface OperationFilter {
  tags?: string[];
  operations?: string[];
  methods?: HttpMethod[];
  paths?: string[];
}

export interface OpenApiGroupConfig extends GroupBase {
  type: 'openapi';
  /** A URL, or an absolute file path. */
  spec: string;
  baseUrl?: string;
  serverVariables?: Record<string, string>;
  auth?: HttpAuthConfig;
  headers?: Record<string, string>;
  include?: OperationFilter;
  exclude?: OperationFilter;
  retries: number;
}

export interface McpGroupConfig extends GroupBase {
  type: 'mcp';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /** A remote server that implements MCP's authorization: each user signs in, and their calls carry their token. */
  auth?: McpAuthConfig;
  lazy: boolean;
}

/**
 * OAuth 2.0 for a remote MCP server: its authorization server is discovered (RFC 9728, RFC 8414); the rest
 * overrides what discovery finds. Without clientId, atp registers itself (RFC 7591) where the server allows it.
 */
export interface McpAuthConfig {
  type: 'oauth2';
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  authorizationUrl?: string;
  tokenUrl?: string;
  revocationUrl?: string;
}

export interface ModuleGroupConfig extends GroupBase {
  type: 'module';
  /** Absolute path of the module. */
  module: string;
}

export type HttpAuthConfig =
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; value: string }
  | OAuth2AuthConfig;

/**
 * OAuth 2.0. Without `flow`: clientCredentials when tokenUrl and clientSecret are set and authorizationUrl is not,
 * else authorizationCode (each user's own token; URLs and scopes default to the OpenAPI document's securitySchemes).
 */
export interface OAuth2AuthConfig {
  type: 'oauth2';
  flow?: 'clientCredentials' | 'authorizationCode';
  tokenUrl?: string;
  authorizationUrl?: string;
  revocationUrl?: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string[];
  audience?: string;
  /** authorizationCode: a PKCE challenge with each sign-in; true unless false. */
  pkce?: boolean;
}

export interface SearchConfig {
  maxResults: number;
  embeddings: { provider: 'none' | 'openai'; url?: string; model?: string; apiKey?: string; dimensions?: number };
}

/**
 * A function pattern as written: `github.issues.*`, or `{ pattern, optional: true }` for one that may match no
 * loaded function (otherwise that is a start-up error: atp serve, atp exec, atp validate --connect).
 */
export type FunctionPattern = string | { pattern: string; optional?: boolean };

export interface PoliciesConfig {
  allow?: FunctionPattern[];
  deny?: FunctionPattern[];
  requireApproval?: FunctionPattern[];
  /** Functions whose results are restricted data, and the input fields naming who may read them. */
  sources?: { functions: FunctionPattern[]; readers?: string[] }[];
  rules?: PolicyRuleConfig[];
}

export interface PolicyRuleConfig {
  rule: 'preventDataExfiltration' | 'requireUserOrigin' | 'blockLLMRecipients' | 'auditSensitiveAccess';
  action: 'block' | 'approve' | 'log';
  /** The calls it guards; every function that is not read-only when absent. */
  functions?: FunctionPattern[];
  /** Input fields, at any depth, that name recipients. */
  recipientFields?: string[];
  /** preventDataExfiltration: the shortest run of letters and digits shared with restricted text that counts. */
  minMatch?: number;
}

export type AuditSinkConfig =
  | { type: 'stdout' }
  | {
    type: 'file'; path: string;
    /** Bytes: the file is rotated before a line would take it past this size. */
    maxSize?: number;
    /** Rotated files kept, the newest; all when absent. */
    maxFiles?: number;
    /** Rotate when the UTC day changes (default true). */
    daily?: boolean;
  }
  | { type: 'http'; url: string; headers?: Record<string, string> };

export interface AuditConfig {
  sinks: AuditSinkConfig[];
  includeInputs: boolean;
  includeResults: boolean;
  redact?: string[];
  /** What happens to executions while an event cannot be written: refused (reject) or not (continue). */
  onFailure: 'reject' | 'continue';
  /** Names this instance in every event (default <hostname>:<pid>). */
  instanceId?: string;
}

export interface TelemetryConfig {
  serviceName: string;
  endpoint?: string;
  headers?: Record<string, string>;
  sampleRatio: number;
  metrics: MetricsConfig;
}

export interface MetricsConfig {
  /** OTLP/HTTP push: off, beside the traces (telemetry.endpoint with /v1/metrics), or to this URL. */
  otlp: boolean | string;
  /** Between two pushes, ms. */
  interval: number;
  /** GET /metrics as Prometheus text: behind `token` on the server's address, or on a listener of its own (`port`). */
  prometheus?: { token?: string; port?: number; host?: string };
  /** Clients named in the executions-in-flight gauge; the rest are summed as "other". */
  topClients: number;
}

export interface LoggingConfig {
  level: LogLevel;
  format: 'text' | 'json';
}
