// The JSON body of a request, read only by the handlers that need one, within server.bodyLimit.

import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { HttpError } from './errors.js';

// an over-limit body is still drained (so the client reads our 413 instead of a reset connection) up to this factor
const DRAIN_FACTOR = 16;

export async function readJsonObject(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  const value = parseJson(await readText(ctx.req, limit, Number(ctx.req.headers['content-length'] || NaN)));
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function readText(req: IncomingMessage, limit: number, declared: number): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body is larger than the limit of ${limit} bytes (server.bodyLimit)`, { Connection: 'close' });
  if (declared > limit * DRAIN_FACTOR) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * DRAIN_FACTOR) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
      }
    });
    req.on('end', () => {
      if (size > limit) reject(tooLarge());
      // most bodies arrive in one chunk: decoded as it is, without a copy
      else resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', reject);
  });
}
