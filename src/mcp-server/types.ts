// What the MCP server needs from the daemon: src/server wires the real parts in (atp serve, atp mcp).

import type { Catalog } from '../catalog/index.js';
import type { Config } from '../config/index.js';
import type { Executor } from '../execution/index.js';
import type { Discovery, Lifecycle } from '../http/index.js';
import type { Logger } from '../logging/index.js';
import type { Sessions } from '../session/index.js';
import type { CallLedger } from './tool-calls.js';

export interface McpDeps {
  config: Config;
  catalog: Catalog;
  /** Built on toolCalls.view(catalog), so that execute_code can list the calls it made. */
  executor: Executor;
  sessions: Sessions;
  discovery: Pick<Discovery, 'search' | 'explore' | 'definitions'>;
  toolCalls: CallLedger;
  logger: Logger;
  version: string;
  /** While draining, execute_code refuses new runs. */
  lifecycle?: Lifecycle;
}
