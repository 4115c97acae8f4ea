// The secrets this process holds (configured tokens, keys, passwords, fetched access tokens), masked out of
// every text and value that leaves it: tool answers entering the sandbox, error messages, log lines, audit events.

export const REDACTED = '[redacted]';
/** Shorter values are too likely to match ordinary text: they are not masked (start-up warns about them). */
export const MIN_SECRET_LENGTH = 6;
const MAX_DEPTH = 64;

export class Secrets {
  private readonly forms = new Set<string>();
  /** Rebuilt on the first use after a change: one scan of a text finds every form. */
  private pattern?: RegExp;

  /** No secret to mask: callers skip the work. */
  get empty(): boolean {
    return this.forms.size === 0;
  }

  /**
   * Adds values and the forms they take in transit: URL-encoded (a query string, a form body) and
   * JSON-escaped (a value echoed inside a JSON string). Values shorter than MIN_SECRET_LENGTH are ignored.
   */
  add(...values: (string | undefined | null)[]): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.forms.has(value)) continue;
      for (const form of formsOf(value)) this.forms.add(form);
      this.pattern = undefined;
    }
  }

  /** Whether the text holds a secret in any of its forms. */
  test(text: string): boolean {
    if (this.forms.size === 0 || text.length < MIN_SECRET_LENGTH) return false;
    const pattern = this.compiled();
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  mask(text: string): string {
    if (!this.test(text)) return text;
    const pattern = this.compiled();
    pattern.lastIndex = 0;
    return text.replace(pattern, REDACTED);
  }

  /**
   * JSON-like data with every secret masked in strings and keys; the same object when nothing matched, else a
   * copy of just the parts that changed. Other values (numbers, booleans, binary views) pass unchanged.
   */
  maskValue<T>(value: T): T {
    if (this.forms.size === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const masked = this.walk(item, depth + 1);
        if (masked !== item) (out ??= value.slice())[i] = masked;
      }
      return out ?? value;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    let out: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const masked = this.walk(item, depth + 1);
      const maskedKey = this.mask(key);
      if (masked === item && maskedKey === key) continue;
      out ??= { ...record };
      if (maskedKey !== key) delete out[key];
      out[maskedKey] = masked;
    }
    return out ?? value;
  }

  private compiled(): RegExp {
    if (this.pattern) return this.pattern;
    // longest first, so a secret that contains another is masked whole
    const alternatives = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
    return this.pattern;
  }
}

function formsOf(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), JSON.stringify(value).slice(1, -1)]);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
