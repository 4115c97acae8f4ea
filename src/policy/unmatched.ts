// A policy pattern that matches no function guards nothing and is most likely a misspelt name: once the API
// groups have loaded it is an error, placed at its line in the config with the nearest name that does match.

import { closest, formatPath, formatProblem, locateIn, type Config, type ConfigProblem, type FunctionPattern, type PoliciesConfig } from '../config/index.js';
import { listMatcher, patternText, type PolicyList } from './patterns.js';

export interface UnmatchedPattern {
  /** Where it is written: ['policies', 'deny', 0], or [..., 'pattern'] in the mapping form. */
  at: (string | number)[];
  /** The list as the config names it: deny, rules[1].functions. */
  list: string;
  /** How the list matches: allow is case-sensitive, the others ignore case. */
  kind: PolicyList;
  pattern: string;
  /** A function name, or for a glob a pattern, that matches and is close to it. */
  suggestion?: string;
}

const CONSEQUENCE: Record<PolicyList, string> = {
  allow: ', so it allows nothing',
  deny: ', so it denies nothing',
  requireApproval: ', so no call waits for approval because of it',
  rules: '',
};

/**
 * The patterns of `policies` that match none of `ids`, except those marked optional. `ids` are all loaded
 * functions, those allow and deny leave out of the catalog included.
 */
export function unmatchedPatterns(policies: PoliciesConfig, ids: readonly string[]): UnmatchedPattern[] {
  const out: UnmatchedPattern[] = [];
  for (const { at, kind, patterns } of policyLists(policies)) {
    patterns.forEach((written, index) => {
      if (typeof written === 'object' && written.optional === true) return;
      const pattern = patternText(written);
      if (ids.some(listMatcher([pattern], kind)!)) return;
      const place = typeof written === 'string' ? [...at, index] : [...at, index, 'pattern'];
      out.push({ at: place, list: formatPath(at.slice(1)), kind, pattern, suggestion: suggest(pattern, ids, kind) });
    });
  }
  return out;
}

/** The unmatched patterns as config problems, each at its place in the file. */
export function unmatchedPatternProblems(config: Config, ids: readonly string[]): ConfigProblem[] {
  const problems = unmatchedPatterns(config.policies, ids).map(({ at, list, kind, pattern, suggestion }): ConfigProblem => {
    const { file, line, col } = locateIn(config, at);
    const optional = `If it names a function that may be absent, write { pattern: "${pattern}", optional: true }`;
    const caseOnly = suggestion !== undefined && suggestion.toLowerCase() === pattern.toLowerCase() ? ` Names in ${list} are case-sensitive.` : '';
    const hint = suggestion !== undefined
      ? `did you mean "${suggestion}"?${caseOnly} ${optional}`
      : `no function has a name close to it (atp search lists them). ${optional}`;
    return { file, line, col, path: formatPath(at), message: `${list} pattern "${pattern}" matches no function${CONSEQUENCE[kind]}`, hint };
  });
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Patterns that match no function of the loaded groups: the first line says so, the next place each one. */
export class UnmatchedPatternsError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const one = problems.length === 1;
    super(`${one ? 'a policy pattern matches' : `${problems.length} policy patterns match`} no function of the loaded API groups; `
      + `correct ${one ? 'it' : 'them'}, or mark a pattern whose function may be absent optional\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'UnmatchedPatternsError';
    this.problems = problems;
  }
}

/** Throws UnmatchedPatternsError when a pattern of config.policies matches none of `ids` (all loaded functions). */
export function checkPatterns(config: Config, ids: readonly string[]): void {
  const problems = unmatchedPatternProblems(config, ids);
  if (problems.length > 0) throw new UnmatchedPatternsError(problems);
}

interface PatternList { at: (string | number)[]; kind: PolicyList; patterns: readonly FunctionPattern[] }

/** Every list of function patterns in policies; a new one belongs here so that it is checked too. */
function policyLists(policies: PoliciesConfig): PatternList[] {
  const lists: PatternList[] = [];
  for (const kind of ['allow', 'deny', 'requireApproval'] as const) {
    const patterns = policies[kind];
    if (patterns) lists.push({ at: ['policies', kind], kind, patterns });
  }
  policies.sources?.forEach((source, index) => lists.push({ at: ['policies', 'sources', index, 'functions'], kind: 'rules', patterns: source.functions }));
  policies.rules?.forEach((rule, index) => {
    if (rule.functions) lists.push({ at: ['policies', 'rules', index, 'functions'], kind: 'rules', patterns: rule.functions });
  });
  return lists;
}

/**
 * A name close to a plain pattern. For a glob, the glob with its leading names or characters replaced by close
 * ones that exist (`githb.*` -> `github.*`, `files.raed*` -> `files.read*`), if that matches.
 */
function suggest(pattern: string, ids: readonly string[], kind: PolicyList): string | undefined {
  const glob = pattern.search(/[*?]/);
  if (glob === -1) return closest(pattern, ids);
  const prefix = pattern.slice(0, glob);
  const names = prefix.slice(0, prefix.lastIndexOf('.') + 1); // `github.issues.` of `github.issues.cre*`
  const dots = names.split('.').length - 1;
  const heads = [
    [names, ids.map((id) => id.split('.').slice(0, dots).join('.') + '.')],
    [prefix, ids.map((id) => id.slice(0, prefix.length))],
  ] as const;
  for (const [head, candidates] of heads) {
    if (head === '') continue;
    const near = closest(head, [...new Set(candidates)]);
    const candidate = near === undefined ? undefined : near + pattern.slice(head.length);
    if (candidate !== undefined && candidate !== pattern && ids.some(listMatcher([candidate], kind)!)) return candidate;
  }
  return undefined;
}
