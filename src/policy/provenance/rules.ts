// policies.sources and policies.rules compiled once: which functions read restricted data and who may read it,
// and which calls each data-flow rule guards.

import type { PoliciesConfig } from '../../config/index.js';
import { listMatcher } from '../patterns.js';
import type { Action } from './tracker.js';

/** The recipient fields preventDataExfiltration and blockLLMRecipients read when a rule names none. */
export const DEFAULT_RECIPIENT_FIELDS = ['to', 'cc', 'bcc', 'recipient', 'recipients', 'email', 'address'];
/** The shortest run of letters and digits shared with restricted text that counts as a copy of it. */
export const DEFAULT_MIN_MATCH = 16;

interface GuardedRule {
  action: Action;
  recipientFields: string[];
  /** Whether a call to `fn` is guarded: the rule's functions, or by default every function that is not read-only. */
  applies(fn: string, readOnly: boolean): boolean;
}

export type ExfiltrationRule = GuardedRule;
export type OriginRule = GuardedRule;

export interface Source { readers: string[] }

export interface CompiledRules {
  exfiltration: ExfiltrationRule[];
  userOrigin: OriginRule[];
  llmRecipients: OriginRule[];
  auditAccess: boolean;
  minMatch: number;
  sourceOf(fn: string): Source | undefined;
}

export function compileRules(policies: PoliciesConfig): CompiledRules {
  const sources = (policies.sources ?? []).map((source) => ({ match: listMatcher(source.functions, 'rules')!, readers: source.readers ?? [] }));
  const compiled: CompiledRules = {
    exfiltration: [],
    userOrigin: [],
    llmRecipients: [],
    auditAccess: false,
    minMatch: DEFAULT_MIN_MATCH,
    sourceOf: (fn) => sources.find((source) => source.match(fn)),
  };
  for (const rule of policies.rules ?? []) {
    const match = listMatcher(rule.functions, 'rules');
    const guarded: GuardedRule = {
      action: rule.action ?? 'block',
      recipientFields: rule.recipientFields ?? DEFAULT_RECIPIENT_FIELDS,
      applies: match ? (fn) => match(fn) : (_fn, readOnly) => !readOnly,
    };
    if (rule.rule === 'preventDataExfiltration') {
      compiled.exfiltration.push(guarded);
      if (rule.minMatch !== undefined) compiled.minMatch = Math.min(compiled.minMatch, rule.minMatch);
    } else if (rule.rule === 'requireUserOrigin') compiled.userOrigin.push(guarded);
    else if (rule.rule === 'blockLLMRecipients') compiled.llmRecipients.push(guarded);
    else compiled.auditAccess = true;
  }
  return compiled;
}
