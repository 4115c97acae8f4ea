// Which functions of the catalog agents may see and call, from config `policies.allow` and `policies.deny`.
// A function outside them is left out of the catalog altogether: no definition, search result, explore
// entry or api.* member shows it, and a call to it fails as a call to a function that does not exist.

import picomatch from 'picomatch';
import type { PoliciesConfig } from '../config/index.js';

/** Whether the function `github.issues.create` may be seen and called; undefined when every function may. */
export function functionFilter(policies: PoliciesConfig): ((id: string) => boolean) | undefined {
  const allow = policies.allow?.length ? picomatch(policies.allow, { dot: true }) : undefined;
  const deny = policies.deny?.length ? picomatch(policies.deny, { dot: true }) : undefined;
  if (!allow && !deny) return undefined;
  return (id) => (!allow || allow(id)) && !deny?.(id);
}

/** The parts of `policies` this version does not enforce, when they are set: what a user must not rely on. */
export function policiesNotInEffect(policies: PoliciesConfig): string[] {
  const unenforced: string[] = [];
  if (policies.requireApproval?.length) unenforced.push('policies.requireApproval is set but not enforced by this version: no call pauses for approval');
  if (policies.rules?.length) unenforced.push('policies.rules is set but not enforced by this version: no data-flow rule is checked');
  return unenforced;
}
