// Tokens at rest: AES-256-GCM under a key derived (HKDF-SHA256) from oauth.encryptionKey. Each value is sealed
// with what it is for (its store key) as associated data, so a value copied under another user's key does not open.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class TokenCipher {
  private readonly key: Buffer;

  /** `secret`: oauth.encryptionKey, or random bytes for tokens that live only as long as this process. */
  constructor(secret: string | Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'atp-oauth', 'user tokens', 32));
  }

  static random(): TokenCipher {
    return new TokenCipher(randomBytes(32));
  }

  /** `context` binds the sealed text to its place: it must be given again to open it. */
  seal(value: unknown, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The value, or undefined when the text was not sealed by this key for this context (or was altered). */
  open<T>(sealed: unknown, context: string): T | undefined {
    if (typeof sealed !== 'string') return undefined;
    const [version, iv, data, tag] = sealed.split('.');
    if (version !== VERSION || !iv || data === undefined || !tag) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }
}
