// What the HTTP layer needs from the rest of the daemon; src/server wires the real pieces in.

import type { Config } from '../config/index.js';
import type { Catalog } from '../catalog/index.js';
import type { Executor } from '../execution/index.js';
import type { Logger } from '../logging/index.js';
import type { Session, Sessions } from '../session/index.js';
import type { Telemetry } from '../telemetry/index.js';
import type { MetricsText } from './routes/metrics.js';

export interface SearchHit {
  apiGroup: string;
  functionName: string;
  description: string;
  signature: string;
  example?: string;
  relevanceScore: number;
}

export type ExploreNode =
  | { type: 'directory'; path: string; items: { name: string; type: 'directory' | 'function'; description?: string }[] }
  | { type: 'function'; path: string; name: string; description: string; definition: string; group: string; sourceName?: string; inputSchema?: unknown; outputSchema?: unknown };

export interface Discovery {
  /** TypeScript of api.* for these groups (all when undefined), including this session's client tools. */
  definitions(groups: string[] | undefined, session: Session | undefined, mode?: 'full' | 'index' | 'auto'): { typescript: string; apiGroups: string[] };
  /** TypeScript of the atp.* runtime APIs named. */
  runtime(apis: string[]): string;
  search(query: string, options: { apiGroups?: string[]; maxResults: number; useEmbeddings?: boolean }): Promise<SearchHit[]>;
  /** `/github/issues` or `github.issues`; undefined when nothing is at that path. */
  explore(path: string): ExploreNode | undefined;
  /** Builds indexes ahead of the first request (start-up calls it before listening). */
  warmUp(): Promise<void>;
}

/**
 * Users' sign-ins to groups that call their API as the user (oauth2, authorization code flow). A failure carries
 * `status` (an HTTP status) and a message meant for the person.
 */
export interface UserSignIns {
  has(group: string): boolean;
  /** The provider's redirect to /oauth/callback: checks state, exchanges the code, stores the token. */
  complete(query: Record<string, string | undefined>): Promise<{ group: string }>;
  status(group: string, clientId: string): Promise<{ signedIn: boolean; authorizationUrl?: string }>;
  signOut(group: string, clientId: string): Promise<{ signedOut: boolean; revoked: boolean }>;
}

export interface Lifecycle {
  /** False until the daemon listens; false again while it drains on shutdown. */
  ready: boolean;
  draining: boolean;
}

export interface AppDeps {
  config: Config;
  catalog: Catalog;
  executor: Executor;
  sessions: Sessions;
  logger: Logger;
  version: string;
  discovery: Discovery;
  lifecycle: Lifecycle;
  /** Tracing, when the config sets telemetry.endpoint: a span per request. */
  telemetry?: Telemetry;
  /** Prometheus text for GET /metrics, when telemetry.metrics.prometheus serves it on this address (with its token). */
  metrics?: MetricsText;
  /** When some group signs users in: /oauth/callback and /api/oauth/:group. */
  signIns?: UserSignIns;
}
