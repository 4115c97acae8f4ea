// Changing the running configuration, one change at a time: a reload (SIGHUP, POST /admin/reload) re-reads and
// validates the file and swaps in a new generation when it is valid; an optional group that failed to load is
// retried with backoff and swapped in when it loads. Either way the current generation serves until the swap.

import { ConfigError, ConfigFileError, formatProblem, type Config } from '../config/index.js';
import { delegatedGroups } from '../oauth/index.js';
import { UnmatchedPatternsError } from '../policy/index.js';
import { configSecrets, MIN_SECRET_LENGTH, type Secrets } from '../secrets/index.js';
import { StartupError } from './compose.js';
import { buildGeneration, describeGroups, warmGeneration, type Generation, type GenerationParts } from './generation.js';
import type { Generations } from './generations.js';
import { settingsKey } from './groups.js';

/** Settings read once, by parts that live as long as the process: a reload names them and keeps their values. */
export const FIXED_SETTINGS = [
  'server.host', 'server.port', 'server.cors',
  'auth.apiKeys', 'auth.jwtSecret', 'auth.tokenTTL', 'auth.tokenRotation',
  'oauth', 'state', 'cache.store', 'cache.namespace', 'execution.timezone',
  'audit', 'telemetry', 'logging',
] as const;

/** Backoff of the retries of optional groups: doubling from the first, capped. */
export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

export interface ReloadResult {
  applied: boolean;
  /** The generation serving now. */
  generation: number;
  /** When refused: the problems as `atp validate` prints them, or why a group could not load. */
  messages: string[];
  /** Settings changed in the file that cannot change while running: they keep their values until a restart. */
  kept: string[];
  /** Optional groups that failed to load, retried in the background. */
  missing: string[];
}

export interface ReloadParts extends GenerationParts {
  /** Reads and validates the config again (throws ConfigError or ConfigFileError as loadConfig does). */
  readConfig(): Promise<Config>;
  secrets: Secrets;
}

export class Reloads {
  private queue: Promise<unknown> = Promise.resolve();
  private retryTimer?: NodeJS.Timeout;
  private attempts = 0;
  private stopped = false;

  constructor(private readonly generations: Generations, private readonly parts: ReloadParts) {}

  /** Re-reads the config; applies it when it is valid and its groups load, else keeps the current one serving. */
  reload(trigger: string): Promise<ReloadResult> {
    return this.exclusive(() => this.apply(trigger));
  }

  /** Starts retrying the current generation's missing optional groups, if any (after start-up and each swap). */
  watchMissing(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempts = 0;
    this.scheduleRetry();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async apply(trigger: string): Promise<ReloadResult> {
    const { logger } = this.parts;
    const current = this.generations.current;
    const refused = (messages: string[], what: string): ReloadResult => {
      logger.warn(`${trigger}: reload refused, ${what}; generation ${current.number} keeps serving`);
      for (const message of messages) logger.warn(message);
      return { applied: false, generation: current.number, messages: messages.map((message) => this.parts.secrets.mask(message)), kept: [], missing: current.missing.map((group) => group.name) };
    };
    let next: Config;
    try {
      next = await this.parts.readConfig();
    } catch (error) {
      const messages = problemMessages(error);
      if (!messages) throw error;
      return refused(messages, error instanceof ConfigError ? `the config has ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}` : 'the config cannot be read');
    }
    const signingIn = new Set(delegatedGroups(current.config));
    const newcomers = delegatedGroups(next).filter((name) => !signingIn.has(name));
    if (newcomers.length > 0) {
      return refused([`API group ${newcomers.map((name) => `'${name}'`).join(', ')} signs users in (oauth2 with flow authorizationCode), which the server sets up at start only; restart it to add such a group`], 'a group needs a restart');
    }
    const kept = keepFixed(current.config, next);
    for (const { value } of configSecrets(next)) if (value.length >= MIN_SECRET_LENGTH) this.parts.secrets.add(value);
    let generation: Generation;
    try {
      generation = await buildGeneration(next, current.number + 1, this.parts);
      await warmGeneration(generation);
    } catch (error) {
      if (error instanceof UnmatchedPatternsError) return refused(error.problems.map(formatProblem), 'a policy pattern matches no function');
      if (error instanceof StartupError) return refused(error.message.split('\n'), 'an API group failed to load');
      throw error;
    }
    if (this.stopped) {
      await generation.close(0); // the daemon stopped meanwhile: nothing to swap into
      return refused(['the server is shutting down'], 'the server is shutting down');
    }
    this.generations.swap(generation);
    const groups = describeGroups(generation.loaded);
    logger.info(`${trigger}: reloaded ${next.source.name}: generation ${generation.number} serves new executions with ${generation.catalog.size} function${generation.catalog.size === 1 ? '' : 's'}${groups ? ` from ${groups}` : ''}; executions under way finish on generation ${current.number}`);
    for (const setting of kept) logger.warn(`${trigger}: ${setting} changed in ${next.source.name} but cannot change while running; it keeps its value until a restart`);
    this.announceMissing(generation);
    this.watchMissing();
    return { applied: true, generation: generation.number, messages: [], kept, missing: generation.missing.map((group) => group.name) };
  }

  /** One line per optional group that did not load: why, and that it is retried. */
  announceMissing(generation: Generation): void {
    for (const group of generation.missing) {
      this.parts.logger.warn(`API group '${group.name}' is optional and failed to load: ${group.error}; serving without it and retrying in the background (see /readyz)`);
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.generations.current.missing.length === 0) return;
    const delay = Math.min(RETRY_FIRST_MS * 2 ** this.attempts, RETRY_MAX_MS);
    this.attempts++;
    this.retryTimer = setTimeout(() => {
      void this.exclusive(() => this.retryMissing()).then((swapped) => {
        if (swapped) this.watchMissing();
        else this.scheduleRetry();
      });
    }, delay).unref();
  }

  /** Tries the missing groups again; when one loads, swaps in a generation of the same config with it. */
  private async retryMissing(): Promise<boolean> {
    const current = this.generations.current;
    const { logger, pool } = this.parts;
    const specs = current.config.apis.filter((spec) => current.missing.some((group) => group.name === spec.name));
    const settled = await Promise.allSettled(specs.map((spec) => pool.acquire(spec)));
    const held = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected') logger.debug(`API group '${specs[i].name}' (optional) still fails to load: ${(outcome.reason as Error).message}`);
    });
    if (held.length === 0 || this.stopped) {
      await Promise.allSettled(held.map(({ group }) => group.close()));
      return false;
    }
    try {
      const generation = await buildGeneration(current.config, current.number + 1, this.parts);
      await warmGeneration(generation);
      if (this.stopped) {
        await generation.close(0);
        return false;
      }
      this.generations.swap(generation);
      for (const { loaded } of held) {
        logger.info(`API group '${loaded.name}' (optional) loaded: ${loaded.functions} function${loaded.functions === 1 ? '' : 's'}; generation ${generation.number} serves new executions with it`);
      }
      return true;
    } catch (error) {
      logger.warn(`the optional groups that loaded cannot be added: ${(error as Error).message}; retrying`);
      return false;
    } finally {
      await Promise.allSettled(held.map(({ group }) => group.close())); // the generation holds them now
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A config's problems as `atp validate` prints them; undefined for an error that is not about the config. */
export function problemMessages(error: unknown): string[] | undefined {
  if (error instanceof ConfigError) {
    const count = error.problems.length;
    return [...error.problems.map(formatProblem), `${count} problem${count === 1 ? '' : 's'} found`];
  }
  if (error instanceof ConfigFileError) return error.problems.length > 0 ? error.problems.map(formatProblem) : [`atp: ${error.message}`];
  return undefined;
}

/** Puts the running values of FIXED_SETTINGS into `next`; returns those that the file changed. */
export function keepFixed(running: Config, next: Config): string[] {
  const changed: string[] = [];
  for (const setting of FIXED_SETTINGS) {
    const [section, key] = setting.split('.') as [keyof Config, string | undefined];
    const before = running[section] as unknown as Record<string, unknown>;
    const after = next[section] as unknown as Record<string, unknown>;
    if (key === undefined) {
      if (settingsKey(before) !== settingsKey(after)) changed.push(setting);
      (next as unknown as Record<string, unknown>)[section] = before;
    } else {
      if (settingsKey(before[key]) !== settingsKey(after[key])) changed.push(setting);
      after[key] = before[key];
    }
  }
  return changed;
}
