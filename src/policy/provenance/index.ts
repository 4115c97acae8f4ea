// Data-flow security (execution.provenance: track): where each value in a sandbox came from, and the rules of
// policies.rules checked against every guarded call's input before it is made.

import type { Audit, AuditSubject } from '../../audit/index.js';
import type { PoliciesConfig } from '../../config/index.js';
import type { Logger } from '../../logging/index.js';
import type { Metrics } from '../../telemetry/index.js';
import { programLiterals } from './literals.js';
import { RememberedValues, type RememberStore } from './memory.js';
import { compileRules, type CompiledRules } from './rules.js';
import { ProvenanceTracker } from './tracker.js';

export { ProvenanceTracker, fieldValues, type Action, type Decision, type RememberedValue } from './tracker.js';
export { DEFAULT_MIN_MATCH, DEFAULT_RECIPIENT_FIELDS, compileRules } from './rules.js';
export { ValueIndex, type Label, type Match } from './values.js';
export { programLiterals } from './literals.js';

export interface ProvenanceOptions {
  policies: PoliciesConfig;
  /** The state store, where restricted values are remembered per client for `ttlMs`. */
  store: RememberStore;
  ttlMs: number;
  audit?: Audit;
  /** Violations counted by rule and action (config `telemetry.metrics`). */
  metrics?: Metrics;
  logger: Logger;
}

/** The rules, compiled once per server; begin() gives each execution its tracker. */
export class Provenance {
  private readonly rules: CompiledRules;
  private readonly memory: RememberedValues;

  constructor(private readonly options: ProvenanceOptions) {
    this.rules = compileRules(options.policies);
    this.memory = new RememberedValues(options.store, options.ttlMs, (error) => {
      options.logger.warn('restricted values could not be read from or written to the state store; a later execution may not know them', { error: error.message });
    });
  }

  /** A tracker for one execution of `script` (the transpiled program), knowing what the client read before. */
  async begin(subject: AuditSubject, script: string): Promise<ProvenanceTracker> {
    const remembered = await this.memory.load(subject.clientId);
    return new ProvenanceTracker({
      rules: this.rules,
      literals: programLiterals(script),
      remembered,
      remember: (values) => this.memory.add(subject.clientId, values),
      audit: this.options.audit,
      metrics: this.options.metrics,
      subject,
    });
  }
}
