// Config problems a user can act on: each knows its file, line, column and JSON path.

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Where in the config, e.g. `apis[2].auth.type`; empty for the whole file. */
  path: string;
  message: string;
  /** What to do about it, e.g. `did you mean "timeout"?`. */
  hint?: string;
}

/** The config was read and parsed but is not valid: every problem found, in file order. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  /** The config file, named as in the problems. */
  readonly file?: string;
  constructor(problems: ConfigProblem[], file?: string) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file ?? problems[0]?.file;
  }
}

/** The config could not be found, read or parsed at all (exit code 2 in the CLI). */
export class ConfigFileError extends Error {
  readonly problems: ConfigProblem[];
  /** The file that could not be read or parsed; undefined when none was found. */
  readonly file?: string;
  constructor(message: string, problems: ConfigProblem[] = [], file?: string) {
    super(problems.length > 0 ? problems.map(formatProblem).join('\n') : message);
    this.name = 'ConfigFileError';
    this.problems = problems;
    this.file = file ?? problems[0]?.file;
  }
}

/** `file:line:col: message (at path)` followed by an indented hint line when there is one. */
export function formatProblem(problem: ConfigProblem): string {
  const at = problem.path ? ` (at ${problem.path})` : '';
  const head = `${problem.file}:${problem.line}:${problem.col}: ${problem.message}${at}`;
  return problem.hint ? `${head}\n  hint: ${problem.hint}` : head;
}

/** `apis[2].auth.type` from `['apis', 2, 'auth', 'type']`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
