// Secrets known to a group (tokens, passwords, keys, fetched access tokens), removed from every text that
// leaves it: error messages, body excerpts, log fields. Credentials go into the process's set, so answers,
// logs and audit events mask them too; the group's other header values are masked in its own errors only.

import { Secrets } from '../../../secrets/index.js';

const EXCERPT_CHARS = 500;

export class Redactor {
  private readonly local = new Secrets();

  /** `shared`: the process's set (LoadContext.secrets); a set of the group's own when absent. */
  constructor(private readonly shared: Secrets = new Secrets()) {}

  /** Credentials: masked everywhere the process masks secrets. */
  add(...values: (string | undefined)[]): void {
    this.shared.add(...values);
  }

  /** Values only this group's error texts leave out (configured header values that are not credentials). */
  addLocal(...values: (string | undefined)[]): void {
    this.local.add(...values);
  }

  /** Whether answers are masked at all: the process holds secrets. */
  get masksAnswers(): boolean {
    return !this.shared.empty;
  }

  /**
   * Whether no JSON value parsed from `text` can hold one of the process's secrets: none is in the text, and it
   * has no escape sequence (a \u escape could spell one out). False when unsure.
   */
  jsonFree(text: string): boolean {
    return !text.includes('\\') && !this.shared.test(text);
  }

  redact(text: string): string {
    return this.local.mask(this.shared.mask(text));
  }

  /** The start of an upstream's answer on one line, secrets removed. */
  excerpt(text: string): string {
    const flat = this.redact(text.replace(/\s+/g, ' ').trim());
    return (flat.length > EXCERPT_CHARS ? flat.slice(0, EXCERPT_CHARS) + '…' : flat) || '(empty body)';
  }
}
