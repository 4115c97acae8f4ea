// Redirects as the tool sources follow them: fetch's rules for the next hop, and credentials kept for the origin
// they were configured for (fetch itself drops only Authorization, so a group's API key header would follow).

/** fetch's limit: more hops than this is a loop. */
export const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials for one origin whatever the config says. */
export const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export interface RedirectHop {
  url: URL;
  method: string;
  /** The body is dropped (and its content-type and content-length with it). */
  dropBody: boolean;
}

/**
 * Where an answer sends the request next, or undefined when it is not a redirect. As fetch: 303 becomes GET
 * (HEAD stays), and so does a POST answered with 301/302. Throws past MAX_REDIRECTS and for a scheme other
 * than http(s).
 */
export function redirectHop(status: number, location: string | null | undefined, from: URL, method: string, hops: number): RedirectHop | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === null || location === undefined) return undefined;
  if (hops >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects (a redirect loop?)`);
  const url = new URL(location, from);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`redirected to an unsupported URL scheme ${url.protocol}`);
  const dropBody = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  return { url, method: dropBody ? 'GET' : method, dropBody };
}
