// MCP over stdio (atp mcp): one session for the process; stdout carries only MCP messages.

import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { McpSession } from './session.js';
import type { McpDeps } from './types.js';

export interface StdioServing {
  /** Resolves when the client closes stdin (or the transport fails). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export async function serveStdio(deps: McpDeps, stdin: NodeJS.ReadableStream = process.stdin, stdout: NodeJS.WritableStream = process.stdout): Promise<StdioServing> {
  const session = new McpSession(deps, { transport: 'stdio' });
  const transport = new StdioServerTransport(stdin as never, stdout as never);
  let ended!: () => void;
  const closed = new Promise<void>((resolve) => (ended = resolve));
  transport.onclose = () => ended();
  transport.onerror = (error) => deps.logger.warn(`MCP over stdio: ${error.message}`);
  // the SDK's transport does not notice the end of its input: the client is gone then
  const onEnd = () => void transport.close();
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  await session.server.connect(transport);
  return {
    closed,
    async close() {
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      await session.close();
      ended();
    },
  };
}
