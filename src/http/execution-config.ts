// The per-request `config` of /api/execute: checked field by field (400 naming the field), limits clamped
// to the configured maxima. Both the documented names (maxMemory, maxLLMCalls) and the reference's
// (memory, llmCalls) are accepted.

import type { ExecutionConfig } from '../config/index.js';
import type { ClientServices, ExecuteRequest } from '../execution/index.js';
import type { Session } from '../session/index.js';
import { badField } from './errors.js';

export type RequestedExecution = Pick<ExecuteRequest, 'limits' | 'services' | 'allowedApis' | 'allowLLMCalls' | 'authorization'>;

const SERVICE_FLAGS = ['hasLLM', 'hasApproval', 'hasEmbedding', 'hasTools'] as const;

export function parseExecutionConfig(raw: unknown, defaults: ExecutionConfig, session: Session): RequestedExecution {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badField('config', 'an object');
  const config = raw as Record<string, unknown>;
  const timeout = positiveNumber(config, 'timeout', 'a positive number of milliseconds');
  const memory = positiveNumber(config, 'maxMemory', 'a positive number of bytes') ?? positiveNumber(config, 'memory', 'a positive number of bytes');
  const llmCalls = count(config, 'maxLLMCalls') ?? count(config, 'llmCalls');
  const allowedApis = stringList(config, 'allowedAPIs');
  if (config.allowLLMCalls !== undefined && typeof config.allowLLMCalls !== 'boolean') throw badField('config.allowLLMCalls', 'true or false');
  if (config.authorization !== undefined && config.authorization !== 'fail' && config.authorization !== 'pause') throw badField('config.authorization', '"fail" or "pause"');
  return {
    limits: {
      timeout: Math.min(timeout ?? defaults.timeout, defaults.maxTimeout),
      memory: Math.min(memory ?? defaults.memory, defaults.maxMemory),
      llmCalls: Math.min(llmCalls ?? defaults.llmCalls, defaults.maxLLMCalls),
    },
    services: services(config.clientServices, session),
    ...(allowedApis && { allowedApis }),
    ...(config.allowLLMCalls !== undefined && { allowLLMCalls: config.allowLLMCalls as boolean }),
    ...(config.authorization === 'pause' && { authorization: 'pause' as const }),
  };
}

/** What the client can answer: its declaration in this request, else at init; client tools from init count. */
function services(raw: unknown, session: Session): ClientServices {
  const declared = { ...session.services };
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw badField('config.clientServices', 'an object of booleans (hasLLM, hasApproval, hasEmbedding, hasTools)');
    for (const flag of SERVICE_FLAGS) {
      const value = (raw as Record<string, unknown>)[flag];
      if (value === undefined) continue;
      if (typeof value !== 'boolean') throw badField(`config.clientServices.${flag}`, 'true or false');
      declared[flag] = value;
    }
  }
  declared.hasTools ||= session.tools.length > 0;
  return declared;
}

function positiveNumber(config: Record<string, unknown>, key: string, expected: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw badField(`config.${key}`, expected);
  return value;
}

function count(config: Record<string, unknown>, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw badField(`config.${key}`, 'a whole number, 0 or more');
  return value;
}

function stringList(config: Record<string, unknown>, key: string): string[] | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw badField(`config.${key}`, 'an array of strings');
  return value as string[];
}
