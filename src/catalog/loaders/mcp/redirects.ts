// Redirects for remote MCP servers, followed by hand: fetch drops only Authorization on a redirect to another
// origin, and a group's configured headers (an API key, a session cookie) would go to whatever host the
// server names. Here every configured header stays with the origin it was configured for.

import { ORIGIN_BOUND_HEADERS, redirectHop } from '../../redirect.js';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A fetch that follows redirects and sends `bound` header names (and credentials) to the first origin only. */
export function originBoundFetch(bound: readonly string[], inner: FetchLike = fetch): FetchLike {
  const names = [...new Set([...ORIGIN_BOUND_HEADERS, ...bound.map((name) => name.toLowerCase())])];
  return async (input, init) => {
    if (init?.redirect === 'manual' || init?.redirect === 'error') return inner(input, init);
    let url = new URL(String(input));
    const origin = url.origin;
    let method = (init?.method ?? 'GET').toUpperCase();
    let body = init?.body;
    let headers = new Headers(init?.headers);
    for (let hops = 0; ; hops++) {
      const response = await inner(url, { ...init, method, body, headers, redirect: 'manual' });
      let hop;
      try {
        hop = redirectHop(response.status, response.headers.get('location'), url, method, hops);
      } catch (error) {
        throw new TypeError((error as Error).message); // as fetch fails: a network error
      }
      if (!hop) return hops === 0 ? response : relabelled(response, url);
      await response.body?.cancel();
      method = hop.method;
      headers = new Headers(headers);
      if (hop.dropBody) {
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      if (hop.url.origin !== origin) for (const name of names) headers.delete(name);
      url = hop.url;
    }
  };
}

/** The answer with the URL it came from and `redirected`, as fetch gives them (the SSE client reconnects there). */
function relabelled(response: Response, url: URL): Response {
  Object.defineProperties(response, { url: { value: url.toString() }, redirected: { value: true } });
  return response;
}
