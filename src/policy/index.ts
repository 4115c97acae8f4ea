// What config `policies` says about functions. allow and deny: which ones agents may see and call; a function
// outside them is left out of the catalog altogether (no definition, search result, explore entry or api.*
// member shows it, and a call to it fails as a call to a function that does not exist). requireApproval:
// which ones first ask the client for a person's approval (HostRuntime).

import picomatch from 'picomatch';
import type { PoliciesConfig } from '../config/index.js';

/** Whether the function `github.issues.create` may be seen and called; undefined when every function may. */
export function functionFilter(policies: PoliciesConfig): ((id: string) => boolean) | undefined {
  const allow = policies.allow?.length ? picomatch(policies.allow, { dot: true }) : undefined;
  const deny = policies.deny?.length ? picomatch(policies.deny, { dot: true }) : undefined;
  if (!allow && !deny) return undefined;
  return (id) => (!allow || allow(id)) && !deny?.(id);
}

/** Whether a call to the function first pauses for a person's approval (policies.requireApproval). */
export function approvalFilter(policies: PoliciesConfig): ((id: string) => boolean) | undefined {
  return policies.requireApproval?.length ? picomatch(policies.requireApproval, { dot: true }) : undefined;
}
