// What an MCP tool call resolves to in the agent's code:
//   structuredContent when the server sent it; else the text content, parsed when it is a JSON object or
//   array (several JSON text blocks: an array of them; several other texts: joined with newlines); content
//   with images, audio or resources: the block as an object, or an array of them when there are several:
//     { type: 'image' | 'audio', mimeType, data (base64) }
//     { type: 'resource', uri, mimeType?, text? | blob? (base64) }
//     { type: 'resource_link', uri, name, mimeType?, description? }
// isError: throws an Error carrying the server's message, which the agent's code can catch.
// The result arrives as the server sent it (the SDK checks only that it is an object): content blocks that are
// not objects are skipped, and a block of an unknown type is passed on as it came.

export interface CallResultLike {
  content?: unknown;
  structuredContent?: unknown;
  isError?: boolean;
  toolResult?: unknown;
}

type Block = { type?: string; [key: string]: unknown };

/** An error the MCP tool itself reported (isError), with the server's message. */
export class McpToolError extends Error {
  /** The JSON-RPC code the SDK's McpServer writes before a protocol error it answers as a result (-32602). */
  readonly mcpCode?: number;
  constructor(message: string, mcpCode?: number) {
    super(message);
    this.name = 'McpToolError';
    if (mcpCode !== undefined) this.mcpCode = mcpCode;
  }
}

export function resultValue(result: CallResultLike): unknown {
  const blocks = Array.isArray(result.content) ? (result.content as unknown[]).filter(isBlock) : [];
  if (result.isError === true) throw toolError(blocks);
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (!Array.isArray(result.content) && 'toolResult' in result) return result.toolResult; // protocol 2024-10-07
  if (blocks.length === 0) return null;
  if (blocks.every(isText)) {
    const texts = blocks.map((block) => block.text as string);
    if (texts.length === 1) return parseJsonText(texts[0]);
    const parsed = texts.map(parseJsonText);
    return parsed.every((value) => typeof value !== 'string') ? parsed : texts.join('\n');
  }
  const values = blocks.map(blockValue);
  return values.length === 1 ? values[0] : values;
}

function isBlock(block: unknown): block is Block {
  return typeof block === 'object' && block !== null && !Array.isArray(block);
}

function isText(block: Block): boolean {
  return block.type === 'text' && typeof block.text === 'string';
}

/** A JSON object or array becomes a value; any other text (numbers included) stays text, so types stay stable. */
export function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

function blockValue(block: Block): unknown {
  switch (block.type) {
    case 'text':
      return parseJsonText(String(block.text ?? ''));
    case 'image':
    case 'audio':
      return { type: block.type, mimeType: block.mimeType, data: block.data };
    case 'resource': {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      return pick({ type: 'resource', uri: resource.uri, mimeType: resource.mimeType, text: resource.text, blob: resource.blob });
    }
    case 'resource_link':
      return pick({ type: 'resource_link', uri: block.uri, name: block.name, mimeType: block.mimeType, description: block.description });
    default:
      return block;
  }
}

function pick(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function toolError(blocks: Block[]): McpToolError {
  const text = blocks.filter(isText).map((block) => (block.text as string).trim()).filter(Boolean).join('\n');
  const code = /^MCP error (-?\d+): /.exec(text);
  const message = text.slice(code ? code[0].length : 0) || 'the MCP tool reported an error without a message';
  return new McpToolError(message, code ? Number(code[1]) : undefined);
}
