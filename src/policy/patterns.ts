// Function patterns (`github.issues.*`) as each policy list matches them against names like `github.issues.create`.

import picomatch from 'picomatch';
import type { FunctionPattern } from '../config/index.js';

export type PolicyList = 'allow' | 'deny' | 'requireApproval' | 'rules';

/**
 * Which lists ignore case. Each errs towards restricting: a slip of case in allow leaves a function out (and
 * the start-up check reports the pattern), one in deny still denies, one in requireApproval still asks.
 */
export const IGNORES_CASE: Readonly<Record<PolicyList, boolean>> = { allow: false, deny: true, requireApproval: true, rules: true };

/** The glob of a pattern, whichever way it is written. */
export function patternText(pattern: FunctionPattern): string {
  return typeof pattern === 'string' ? pattern : pattern.pattern;
}

/** Whether a name matches any pattern of the list; undefined for an empty list. `*` spans dots. */
export function listMatcher(patterns: readonly FunctionPattern[] | undefined, list: PolicyList): ((id: string) => boolean) | undefined {
  if (!patterns?.length) return undefined;
  return picomatch(patterns.map(patternText), { dot: true, nocase: IGNORES_CASE[list] });
}
