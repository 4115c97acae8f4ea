// Rules the schema cannot say: unique names, one of command/url, limits within their maxima, files that exist.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatPath, type ConfigProblem } from './errors.js';
import { locate, type ConfigPath, type ConfigSource } from './source.js';
import { isUrl } from './schema.js';
import { parseDuration, parseSize } from './units.js';

type Raw = Record<string, unknown>;

export function semanticProblems(data: Raw, source: ConfigSource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (at: ConfigPath, message: string, hint?: string, atKey = false) => {
    const { line, col } = locate(source, at, atKey);
    problems.push({ file: source.file, line, col, path: formatPath(at), message, hint });
  };
  const dir = path.dirname(source.filepath);
  checkGroups(data.apis, dir, report);
  checkLimits(data, report);
  return problems;
}

type Report = (at: ConfigPath, message: string, hint?: string, atKey?: boolean) => void;

function checkGroups(apis: unknown, dir: string, report: Report): void {
  if (!Array.isArray(apis)) return;
  const seen = new Map<string, number>();
  apis.forEach((group: Raw, index) => {
    if (!group || typeof group !== 'object') return;
    const at = ['apis', index];
    if (typeof group.name === 'string') {
      const first = seen.get(group.name);
      if (first !== undefined) report([...at, 'name'], `duplicate group name "${group.name}" (also apis[${first}])`, 'give each group its own name: it becomes api.<name>');
      else seen.set(group.name, index);
    }
    if (group.type === 'mcp') checkMcp(group, at, dir, report);
    if (group.type === 'openapi' && typeof group.spec === 'string' && !isUrl(group.spec)) checkFile(group.spec, [...at, 'spec'], dir, report, 'the OpenAPI document');
    if (group.type === 'module' && typeof group.module === 'string') checkFile(group.module, [...at, 'module'], dir, report, 'the module');
  });
}

function checkMcp(group: Raw, at: ConfigPath, dir: string, report: Report): void {
  const hasCommand = typeof group.command === 'string';
  const hasUrl = typeof group.url === 'string';
  if (hasCommand === hasUrl) {
    report(at, hasCommand ? 'an mcp group has both command and url' : 'an mcp group needs command or url',
      'give command (and args) to spawn a local server, or url for a remote one; not both');
    return;
  }
  const only = hasCommand ? ['headers'] : ['args', 'env', 'cwd'];
  for (const key of only) {
    if (key in group) report([...at, key], `"${key}" applies only to ${hasCommand ? 'remote (url)' : 'spawned (command)'} MCP servers`, `remove ${key}`, true);
  }
  if (hasCommand && typeof group.cwd === 'string') {
    const cwd = path.resolve(dir, group.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) report([...at, 'cwd'], `working directory "${group.cwd}" does not exist`, 'paths are relative to the config file');
  }
}

function checkFile(file: string, at: ConfigPath, dir: string, report: Report, what: string): void {
  const full = path.resolve(dir, file);
  if (!existsSync(full)) report(at, `${what} "${file}" does not exist`, 'paths are relative to the config file; for a remote document give an http(s) URL');
  else if (!statSync(full).isFile()) report(at, `${what} "${file}" is not a file`);
}

function checkLimits(data: Raw, report: Report): void {
  const execution = (data.execution ?? {}) as Raw;
  const pairs: [string, string, (v: string | number) => number | undefined][] = [
    ['timeout', 'maxTimeout', parseDuration],
    ['memory', 'maxMemory', parseSize],
    ['llmCalls', 'maxLLMCalls', (v) => (typeof v === 'number' ? v : undefined)],
  ];
  for (const [key, maxKey, parse] of pairs) {
    const value = parseUnit(execution[key], parse);
    const max = parseUnit(execution[maxKey], parse);
    if (value !== undefined && max !== undefined && value > max) {
      report(['execution', key], `execution.${key} (${String(execution[key])}) is above execution.${maxKey} (${String(execution[maxKey])})`, `lower ${key} or raise ${maxKey}`);
    }
  }
  const auth = (data.auth ?? {}) as Raw;
  const ttl = parseUnit(auth.tokenTTL, parseDuration);
  const rotation = parseUnit(auth.tokenRotation, parseDuration);
  if (ttl !== undefined && rotation !== undefined && rotation >= ttl) {
    report(['auth', 'tokenRotation'], `auth.tokenRotation (${String(auth.tokenRotation)}) must be shorter than auth.tokenTTL (${String(auth.tokenTTL)})`, 'tokens are refreshed before they expire; half the TTL is a good value');
  }
  const embeddings = ((data.search ?? {}) as Raw).embeddings as Raw | undefined;
  if (embeddings?.provider === 'openai') {
    for (const key of ['url', 'model']) {
      if (!(key in embeddings)) report(['search', 'embeddings'], `embeddings provider "openai" needs ${key}`, `add search.embeddings.${key}`);
    }
  }
  const rules = ((data.policies ?? {}) as Raw).rules;
  if (Array.isArray(rules) && rules.length > 0 && (execution.provenance ?? 'none') === 'none') {
    report(['policies', 'rules'], 'data-flow rules need provenance tracking, which is off', 'set execution.provenance to proxy or ast', true);
  }
}

function parseUnit(value: unknown, parse: (v: string | number) => number | undefined): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parse(value) : undefined;
}
