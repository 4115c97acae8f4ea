// A paused execution's callbacks answered over MCP: atp.llm.* through sampling, approvals (atp.approval.request and
// policy gates) through elicitation. What the client cannot answer is an error at the awaiting call, naming the
// capability it lacks, so the code can catch it and the model can tell the user.

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CreateMessageResult, ElicitResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { CallbackRequest, ResumeAnswer } from '../execution/index.js';

const DEFAULT_MAX_TOKENS = 2048;

export interface PauseContext {
  server: Server;
  /** The tools/call the execution runs for: requests to the client travel with it (on its HTTP stream). */
  requestId: RequestId;
  signal: AbortSignal;
  /** How long the client may take to answer one request (a person may be deciding). */
  timeoutMs: number;
}

type Answer = { __error: true; message: string } | unknown;

/** One answer for a pause: approvals asked one at a time (a person reads them in order), model calls at once. */
export async function answerPause(pause: { needsCallback?: CallbackRequest; needsCallbacks?: (CallbackRequest & { id: string })[] }, context: PauseContext): Promise<ResumeAnswer> {
  if (!pause.needsCallbacks) return { result: await answerCallback(pause.needsCallback!, context) };
  const results = new Map<string, Answer>();
  const approvals = pause.needsCallbacks.filter((callback) => callback.type === 'approval');
  const others = pause.needsCallbacks.filter((callback) => callback.type !== 'approval');
  await Promise.all([
    (async () => {
      for (const callback of approvals) results.set(callback.id, await answerCallback(callback, context));
    })(),
    ...others.map(async (callback) => results.set(callback.id, await answerCallback(callback, context))),
  ]);
  return { results: pause.needsCallbacks.map((callback) => ({ id: callback.id, result: results.get(callback.id) })) };
}

export async function answerCallback(callback: CallbackRequest, context: PauseContext): Promise<Answer> {
  const capabilities = context.server.getClientCapabilities() ?? {};
  const label = callback.type === 'approval' ? 'atp.approval.request' : `atp.${callback.type}.${callback.operation}`;
  if (callback.type === 'llm') {
    if (!capabilities.sampling) return refusal(`${label} needs the MCP client to provide sampling (an LLM the server may ask), and this client did not declare the sampling capability; do the model's part yourself instead, outside the code`);
    return askModel(callback, context).catch((error: Error) => refusal(`${label}: the MCP client did not answer the sampling request: ${error.message}`));
  }
  if (callback.type === 'approval') {
    const what = (callback.payload.context as { function?: unknown } | undefined)?.function;
    const subject = typeof what === 'string' ? `${what} needs a person's approval (policies)` : `${label} asks a person's approval`;
    if (!capabilities.elicitation?.form) return refusal(`${subject}, and this MCP client did not declare the elicitation capability (form mode), so nobody can be asked; the call was not made`);
    return askPerson(callback, context).catch((error: Error) => refusal(`${subject}, and the MCP client did not answer the elicitation request: ${error.message}`));
  }
  if (callback.type === 'embedding') return refusal(`${label}: MCP has no way to ask the client for embeddings; compare texts with atp.llm.* or in code instead`);
  return refusal(`${label}: this MCP server has no client tools`);
}

function refusal(message: string): { __error: true; message: string } {
  return { __error: true, message };
}

async function askModel(callback: CallbackRequest, context: PauseContext): Promise<unknown> {
  const payload = callback.payload as { prompt?: unknown; text?: unknown; schema?: unknown; categories?: unknown; options?: Record<string, unknown> };
  const options = payload.options ?? {};
  const extra = options.context !== undefined ? `\n\nContext:\n${JSON.stringify(options.context)}` : '';
  let prompt: string;
  let system = typeof options.systemPrompt === 'string' ? options.systemPrompt : undefined;
  if (callback.operation === 'extract') {
    prompt = `${String(payload.prompt)}${extra}`;
    system = [system, `Answer with one JSON value that matches this JSON Schema, and nothing else: ${JSON.stringify(payload.schema)}`].filter(Boolean).join('\n\n');
  } else if (callback.operation === 'classify') {
    const categories = Array.isArray(payload.categories) ? payload.categories.map(String) : [];
    prompt = `${String(payload.text)}${extra}`;
    system = [system, `Classify the text. Answer with exactly one of these categories and nothing else: ${categories.join(', ')}`].filter(Boolean).join('\n\n');
  } else {
    prompt = `${String(payload.prompt)}${extra}`;
  }
  const result = await context.server.createMessage({
    messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
    maxTokens: typeof options.maxTokens === 'number' && options.maxTokens > 0 ? options.maxTokens : DEFAULT_MAX_TOKENS,
    ...(system && { systemPrompt: system }),
    ...(typeof options.temperature === 'number' && { temperature: options.temperature }),
    ...(typeof options.model === 'string' && { modelPreferences: { hints: [{ name: options.model }] } }),
  }, { relatedRequestId: context.requestId, signal: context.signal, timeout: context.timeoutMs });
  const text = answerText(result);
  if (callback.operation === 'extract') return parseJson(text);
  if (callback.operation === 'classify') return category(text, (payload.categories as unknown[]).map(String));
  return text;
}

function answerText(result: CreateMessageResult): string {
  const content = Array.isArray(result.content) ? result.content : [result.content];
  const texts = content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  if (texts.length === 0) throw new Error(`the model answered ${content.map((part) => part.type).join(', ') || 'nothing'}, not text`);
  return texts.join('\n');
}

function parseJson(text: string): unknown {
  const bare = text.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  try {
    return JSON.parse(bare);
  } catch {
    return refusal(`atp.llm.extract: the model's answer is not JSON (it began: ${JSON.stringify(text.slice(0, 80))}); ask again with a clearer prompt`);
  }
}

function category(text: string, categories: string[]): unknown {
  const answer = text.trim().replace(/^["'`]|["'`.]$/g, '').toLowerCase();
  const exact = categories.find((candidate) => candidate.toLowerCase() === answer);
  if (exact !== undefined) return exact;
  const named = categories.filter((candidate) => answer.includes(candidate.toLowerCase()));
  if (named.length === 1) return named[0];
  return refusal(`atp.llm.classify: the model answered ${JSON.stringify(text.slice(0, 80))}, not one of ${categories.join(', ')}`);
}

async function askPerson(callback: CallbackRequest, context: PauseContext): Promise<unknown> {
  const payload = callback.payload as { message?: unknown; context?: Record<string, unknown> };
  const details = payload.context && Object.keys(payload.context).length > 0 ? `\n\n${JSON.stringify(payload.context, null, 2).slice(0, 4000)}` : '';
  const result: ElicitResult = await context.server.elicitInput({
    mode: 'form',
    message: `${String(payload.message)}${details}`,
    requestedSchema: {
      type: 'object',
      properties: {
        approved: { type: 'boolean', title: 'Approve', description: 'Allow this?' },
        reason: { type: 'string', title: 'Reason', description: 'Optional: why, passed back to the code' },
      },
      required: ['approved'],
    },
  }, { relatedRequestId: context.requestId, signal: context.signal, timeout: context.timeoutMs });
  const reason = typeof result.content?.reason === 'string' && result.content.reason ? result.content.reason : undefined;
  if (result.action !== 'accept') return { approved: false, response: reason ?? `the person chose ${result.action === 'decline' ? 'to decline' : 'to dismiss the question'}`, timestamp: Date.now() };
  return { approved: result.content?.approved === true, ...(reason && { response: reason }), timestamp: Date.now() };
}
