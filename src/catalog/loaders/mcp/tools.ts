// MCP tools as catalog Tools: identifier-safe names (the MCP name kept as sourceName), schemas as declared,
// calls with the group's timeout, progress notifications passed on, failures with messages that say what to do.

import { CallToolResultSchema, ErrorCode, McpError, ResultSchema, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { McpGroupConfig } from '../../../config/index.js';
import { toIdentifier, uniqueName } from '../../naming.js';
import { ToolTimeoutError } from '../../timeout.js';
import { lazyInputCheck, type InputCheck } from '../../input-check.js';
import { ToolCallError, type CallContext, type JsonSchema, type Tool, type ToolAnnotations } from '../../types.js';
import { plainMcpMessage } from './connect.js';
import { linkedCancel } from './cancel.js';
import { withTraceContext } from './trace-context.js';
import type { Sessions } from './connection.js';
import { McpToolError, resultValue } from './result.js';

/** Any JSON object: what callTool's result schema may be (it is typed as the full one, which parses each block). */
const LOOSE_RESULT = ResultSchema as unknown as typeof CallToolResultSchema;

export function toTools(list: McpTool[], config: McpGroupConfig, connection: Sessions): Tool[] {
  const taken = new Set<string>();
  return list.map((mcpTool) => toTool(mcpTool, uniqueName(toIdentifier(mcpTool.name), taken), config, connection));
}

function toTool(mcpTool: McpTool, id: string, config: McpGroupConfig, connection: Sessions): Tool {
  const label = `api.${config.name}.${id}`;
  const check = lazyInputCheck(() => checkableSchema(mcpTool.inputSchema), label);
  return {
    path: [id],
    sourceName: mcpTool.name,
    description: mcpTool.description?.trim() || mcpTool.title || `MCP tool ${mcpTool.name}`,
    inputSchema: { ...(mcpTool.inputSchema as Record<string, unknown>), type: 'object' } as JsonSchema,
    outputSchema: mcpTool.outputSchema as JsonSchema | undefined,
    annotations: annotationsOf(mcpTool),
    async invoke(input: unknown, ctx: CallContext): Promise<unknown> {
      const client = await connection.acquire(ctx.signal, ctx.clientId);
      const { cancel, done } = linkedCancel(ctx.signal);
      let result;
      try {
        // the SDK checks only that the result is an object, resultValue reads it defensively: no deep parse
        // of every content block (several µs a call); callTool still checks structuredContent against an outputSchema
        result = await withTraceContext(ctx.trace, () => client.callTool({ name: mcpTool.name, arguments: (input ?? {}) as Record<string, unknown> }, LOOSE_RESULT, {
          signal: cancel.signal,
          timeout: config.timeout,
          onprogress: ctx.onProgress && ((progress) => {
            const fraction = progress.total ? progress.progress / progress.total : undefined;
            ctx.onProgress!(progress.message ?? (progress.total ? `${progress.progress}/${progress.total}` : String(progress.progress)), fraction);
          }),
        }));
      } catch (error) {
        throw inputRefused(error, label, check, input) ?? callFailure(error, label, config, connection, ctx);
      } finally {
        done();
        connection.release(client);
      }
      try {
        return resultValue(result);
      } catch (error) {
        throw inputRefused(error, label, check, input) ?? error;
      }
    },
    /**
     * Before a person is asked to approve a call (policies.requireApproval): the input against the declared
     * schema. Calls themselves are checked by the server, which may be more lenient (some coerce types).
     */
    checkInput(input: unknown): Error | undefined {
      try {
        return check(input ?? {});
      } catch {
        return undefined; // a schema ajv cannot compile: the server is the judge
      }
    },
  };
}

/** The declared schema without its `$schema` (servers name draft-07 or 2020-12; the checker reads both). */
function checkableSchema(schema: McpTool['inputSchema']): JsonSchema {
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  return { ...rest, type: 'object' };
}

/**
 * The server refused the arguments (-32602, as a JSON-RPC error or, from the SDK's McpServer, as an isError
 * result): VALIDATION_FAILED, in the words every source uses when the declared schema explains why, else in
 * the server's. An unknown or disabled tool is -32602 too, but not a mistake in the input.
 */
function inputRefused(error: unknown, label: string, check: InputCheck, input: unknown): ToolCallError | undefined {
  const invalidParams = error instanceof McpError ? error.code === ErrorCode.InvalidParams : error instanceof McpToolError && error.mcpCode === ErrorCode.InvalidParams;
  if (!invalidParams) return undefined;
  const said = (error as Error).message.replace(/^(?:MCP error -?\d+: )+/, ''); // the SDK's servers send the prefix too
  if (/^(?:unknown tool|tool \S+ (?:not found|disabled))\b/i.test(said)) return undefined;
  let ours: ToolCallError | undefined;
  try {
    ours = check(input ?? {});
  } catch {
    ours = undefined; // a schema ajv cannot compile: the server's words then
  }
  return ours ?? new ToolCallError(`${label}: invalid input: ${said.replace(/^Input validation error: /, '')}`, { code: 'VALIDATION_FAILED' });
}

function annotationsOf(tool: McpTool): ToolAnnotations {
  const hints = tool.annotations ?? {};
  const annotations: ToolAnnotations = {};
  if (hints.readOnlyHint !== undefined) annotations.readOnly = hints.readOnlyHint;
  if (hints.destructiveHint !== undefined) annotations.destructive = hints.destructiveHint;
  if (hints.idempotentHint !== undefined) annotations.idempotent = hints.idempotentHint;
  const title = tool.title ?? hints.title;
  if (title) annotations.keywords = [title];
  return annotations;
}

function callFailure(error: unknown, label: string, config: McpGroupConfig, connection: Sessions, ctx: CallContext): Error {
  if (ctx.signal.aborted) return ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error(String(ctx.signal.reason));
  if (error instanceof ToolCallError) return error; // from the user's token (AUTHORIZATION_REQUIRED, a failed refresh)
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return new ToolTimeoutError(label, config.timeout);
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new ToolCallError(`${label}: the MCP server of group ${config.name} stopped during the call; it is being restarted, so the call can be retried`, { code: 'NETWORK_ERROR', retryable: true });
  }
  if ((error as { code?: unknown }).code === 404 && config.url) {
    connection.sessionLost('the remote MCP session expired', ctx.clientId);
    return new ToolCallError(`${label}: the remote MCP session expired; a new one is being opened, so the call can be retried`, { code: 'NETWORK_ERROR', retryable: true });
  }
  if (error instanceof McpError) return new Error(`${label}: ${plainMcpMessage(error)}`);
  return new ToolCallError(`${label} failed: ${(error as Error).message ?? String(error)}`, { code: 'NETWORK_ERROR', retryable: false });
}
