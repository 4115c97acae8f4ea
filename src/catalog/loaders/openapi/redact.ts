// Secrets known to a group (tokens, passwords, keys, fetched access tokens), removed from every text that
// leaves it: error messages, body excerpts, log fields.

const EXCERPT_CHARS = 500;
/** Shorter values are too likely to match ordinary text. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (!value || value.length < MIN_SECRET_LENGTH) continue;
      this.secrets.add(value);
      const encoded = encodeURIComponent(value);
      if (encoded !== value) this.secrets.add(encoded);
    }
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return out;
  }

  /** The start of an upstream's answer on one line, secrets removed. */
  excerpt(text: string): string {
    const flat = this.redact(text.replace(/\s+/g, ' ').trim());
    return (flat.length > EXCERPT_CHARS ? flat.slice(0, EXCERPT_CHARS) + '…' : flat) || '(empty body)';
  }
}
