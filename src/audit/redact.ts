// What an audit event may not carry: the process's secrets (configured tokens, passwords, keys, credential
// header and env values, fetched access tokens), wherever they appear in a string; the values of fields
// whose names say they hold one; and the sign-in parameters of URLs (an OAuth link's state, a callback's code).

import { REDACTED, Secrets } from '../secrets/index.js';

export { REDACTED };

/** Field names (compared lower-case, without `-` and `_`) whose values are always replaced. */
const SECRET_FIELDS = [
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'password', 'passwd', 'secret', 'clientsecret', 'token',
  'accesstoken', 'refreshtoken', 'idtoken', 'apikey', 'xapikey', 'privatekey',
];
const MAX_DEPTH = 50;
/**
 * Query parameters of a URL that complete someone's OAuth sign-in or carry a credential (a sign-in link's
 * `state`, a callback's `code`): their values never reach the trail, wherever the URL is quoted.
 */
const SIGN_IN_PARAMS = /([?&#](?:state|code|code_verifier|access_token|refresh_token|id_token|client_secret)=)[^&#\s"'<>]+/gi;

const fieldKey = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

export class AuditRedactor {
  private readonly secrets: Secrets;
  private readonly fields: Set<string>;

  /** `secrets`: the process's set (it grows as tokens are fetched), or values to mask. */
  constructor(secrets: Secrets | Iterable<string>, extraFields: readonly string[] = []) {
    if (secrets instanceof Secrets) this.secrets = secrets;
    else {
      this.secrets = new Secrets();
      for (const secret of secrets) this.secrets.add(secret);
    }
    this.fields = new Set([...SECRET_FIELDS, ...extraFields.map(fieldKey)]);
  }

  text(value: string): string {
    const masked = this.secrets.mask(value);
    return masked.includes('=') ? masked.replace(SIGN_IN_PARAMS, `$1${REDACTED}`) : masked;
  }

  /** A redacted copy of JSON-like data: secret fields replaced, secrets cut out of every string. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return '[nested too deep]';
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[this.text(key)] = this.fields.has(fieldKey(key)) && item !== null && item !== undefined && item !== '' ? REDACTED : this.value(item, depth + 1);
    }
    return out;
  }
}
