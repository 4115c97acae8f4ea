// Rules the schema cannot say: unique names, one of command/url, limits within their minima and maxima, files that exist.

import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatPath, type ConfigProblem } from './errors.js';
import { locate, type ConfigPath, type ConfigSource } from './source.js';
import { isUrl } from './schema.js';
import { closest } from './suggest.js';
import { parseDuration, parseSize } from './units.js';

type Raw = Record<string, unknown>;

export function semanticProblems(data: Raw, source: ConfigSource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (at: ConfigPath, message: string, hint?: string, atKey = false) => {
    const { line, col } = locate(source, at, atKey);
    problems.push({ file: source.file, line, col, path: formatPath(at), message, hint });
  };
  const dir = path.dirname(source.filepath);
  // ajv has filled defaults into data by now; messages must say when a value was not written in the file.
  const written = (at: ConfigPath) => source.document.hasIn([...source.root, ...at]);
  checkGroups(data.apis, dir, report);
  checkLimits(data, report, written);
  checkTimezone((data.execution as Raw | undefined)?.timezone, report);
  checkMetrics(data.telemetry as Raw | undefined, report);
  return problems;
}

/** Metrics pushed beside the traces need a traces endpoint to stand beside; /metrics needs a token or a port of its own. */
function checkMetrics(telemetry: Raw | undefined, report: Report): void {
  const metrics = telemetry?.metrics as Raw | undefined;
  if (!metrics) return;
  const endpoint = telemetry!.endpoint;
  if (metrics.otlp === true && !(typeof endpoint === 'string' && /\/v1\/traces\/?$/.test(endpoint.split(/[?#]/)[0]))) {
    report(['telemetry', 'metrics', 'otlp'], typeof endpoint === 'string'
      ? 'telemetry.endpoint does not end in /v1/traces, so the metrics endpoint beside it is not known'
      : 'metrics are to go to the collector of telemetry.endpoint, which is not set',
    'write the metrics endpoint instead of true, e.g. otlp: http://collector:4318/v1/metrics');
  }
  const prometheus = metrics.prometheus as Raw | undefined;
  if (prometheus && prometheus.token === undefined && prometheus.port === undefined) {
    report(['telemetry', 'metrics', 'prometheus'], '/metrics would be open to anyone who can reach the server',
      'give it a token (scrapers send Authorization: Bearer <token>), or a port of its own on a private interface');
  }
}

function checkTimezone(zone: unknown, report: Report): void {
  if (typeof zone !== 'string' || zone === '') return; // the schema reports it
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    const guess = closest(zone, [...Intl.supportedValuesOf('timeZone'), 'UTC']);
    report(['execution', 'timezone'], `"${zone}" is not a time zone this Node knows`, guess ? `did you mean "${guess}"?` : 'use an IANA name such as Europe/Paris or America/New_York, or UTC');
  }
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
    if (typeof group.clientConcurrency === 'number' && typeof group.concurrency === 'number' && group.clientConcurrency > group.concurrency) {
      report([...at, 'clientConcurrency'], `clientConcurrency (${group.clientConcurrency}) is above the group's concurrency (${group.concurrency})`,
        'lower clientConcurrency or raise concurrency; equal to concurrency lets one client take every slot');
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
  const only = hasCommand ? ['headers', 'auth'] : ['args', 'env', 'cwd'];
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
  const remote = what === 'the module' ? '' : '; for a remote document give an http(s) URL';
  if (!existsSync(full)) report(at, `${what} "${file}" does not exist`, `paths are relative to the config file${remote}`);
  else if (!statSync(full).isFile()) report(at, `${what} "${file}" is not a file`);
}

/** The least heap an isolate can have (isolated-vm's floor), as --memory of atp exec checks it too. */
const MIN_MEMORY_BYTES = 8_000_000;

function checkMinima(execution: Raw, report: Report): void {
  for (const key of ['timeout', 'maxTimeout']) {
    if (parseUnit(execution[key], parseDuration) !== 0) continue;
    report(['execution', key], `execution.${key} is 0, which would stop every execution at once`, 'write a duration such as 30s');
  }
  for (const key of ['memory', 'maxMemory']) {
    const value = parseUnit(execution[key], parseSize);
    if (value === undefined || value >= MIN_MEMORY_BYTES) continue;
    const raw = execution[key];
    const bare = typeof raw === 'number' && raw >= 8 && raw <= 65_536 ? `; a number without a unit counts bytes: did you mean ${raw}MB?` : '';
    report(['execution', key], `execution.${key} (${String(raw)}) is below 8MB, the least heap a sandbox can run with`, `write at least 8MB${bare}`);
  }
}

function checkLimits(data: Raw, report: Report, written: (at: ConfigPath) => boolean): void {
  const execution = (data.execution ?? {}) as Raw;
  const shown = (section: string, key: string, value: unknown) =>
    `${section}.${key} (${String(value)}${written([section, key]) ? '' : ', the default'})`;
  checkMinima(execution, report);
  const pairs: [string, string, (v: string | number) => number | undefined][] = [
    ['timeout', 'maxTimeout', parseDuration],
    ['memory', 'maxMemory', parseSize],
    ['llmCalls', 'maxLLMCalls', (v) => (typeof v === 'number' ? v : undefined)],
    ['clientConcurrency', 'concurrency', (v) => (typeof v === 'number' ? v : undefined)],
    ['clientQueue', 'queue', (v) => (typeof v === 'number' ? v : undefined)],
  ];
  for (const [key, maxKey, parse] of pairs) {
    const value = parseUnit(execution[key], parse);
    const max = parseUnit(execution[maxKey], parse);
    if (value === undefined || max === undefined || value <= max) continue;
    // Point at the value the user wrote: the default one is not in the file.
    const atMax = written(['execution', maxKey]) && !written(['execution', key]);
    report(['execution', atMax ? maxKey : key],
      `${shown('execution', key, execution[key])} is above ${shown('execution', maxKey, execution[maxKey])}`,
      `lower ${key} or raise ${maxKey}`);
  }
  const auth = (data.auth ?? {}) as Raw;
  const ttl = parseUnit(auth.tokenTTL, parseDuration);
  const rotation = parseUnit(auth.tokenRotation, parseDuration);
  if (ttl !== undefined && rotation !== undefined && rotation >= ttl) {
    const atTtl = written(['auth', 'tokenTTL']) && !written(['auth', 'tokenRotation']);
    report(['auth', atTtl ? 'tokenTTL' : 'tokenRotation'],
      `${shown('auth', 'tokenRotation', auth.tokenRotation)} must be shorter than ${shown('auth', 'tokenTTL', auth.tokenTTL)}`,
      'tokens are refreshed before they expire: set tokenRotation to about half of tokenTTL');
  }
  const embeddings = ((data.search ?? {}) as Raw).embeddings as Raw | undefined;
  if (embeddings?.provider === 'openai') {
    for (const key of ['url', 'model']) {
      if (!(key in embeddings)) report(['search', 'embeddings'], `embeddings provider "openai" needs ${key}`, `add search.embeddings.${key}`);
    }
  }
  const policies = (data.policies ?? {}) as Raw;
  for (const key of ['rules', 'sources']) {
    const list = policies[key];
    if (Array.isArray(list) && list.length > 0 && (execution.provenance ?? 'none') === 'none') {
      report(['policies', key], `data-flow ${key} need provenance tracking, which is off`, 'set execution.provenance: track', true);
    }
  }
}

function parseUnit(value: unknown, parse: (v: string | number) => number | undefined): number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? parse(value) : undefined;
}
