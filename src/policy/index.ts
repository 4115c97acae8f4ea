// What config `policies` says about functions. allow and deny: which ones agents may see and call; a function
// outside them is left out of the catalog altogether (no definition, search result, explore entry or api.*
// member shows it, and a call to it fails as a call to a function that does not exist). requireApproval:
// which ones first ask the client for a person's approval (HostRuntime).

import type { PoliciesConfig } from '../config/index.js';
import { listMatcher } from './patterns.js';

export { IGNORES_CASE, listMatcher, patternText } from './patterns.js';
export { Provenance, ProvenanceTracker, type Decision, type ProvenanceOptions } from './provenance/index.js';
export { checkPatterns, unmatchedPatternProblems, unmatchedPatterns, UnmatchedPatternsError, type UnmatchedPattern } from './unmatched.js';

/** Whether the function `github.issues.create` may be seen and called; undefined when every function may. */
export function functionFilter(policies: PoliciesConfig): ((id: string) => boolean) | undefined {
  const allow = listMatcher(policies.allow, 'allow');
  const deny = listMatcher(policies.deny, 'deny');
  if (!allow && !deny) return undefined;
  return (id) => (!allow || allow(id)) && !deny?.(id);
}

/** Whether a call to the function first pauses for a person's approval (policies.requireApproval). */
export function approvalFilter(policies: PoliciesConfig): ((id: string) => boolean) | undefined {
  return listMatcher(policies.requireApproval, 'requireApproval');
}
