// A remote MCP server's requests as one user (auth oauth2): each carries that user's current access token, so a
// refreshed token is used at once; a 401 refreshes the token and tries once more.

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The user behind one session: their token (throws AUTHORIZATION_REQUIRED without one), and the server's refusal of it. */
export interface BearerSource {
  token(signal: AbortSignal): Promise<string>;
  /** The server refused the token: true when a fresh one is worth one more try. */
  refused(): boolean;
}

/** The longest a request waits for the user's token when the transport gave it no signal. */
const TOKEN_WAIT_MS = 30_000;

export function bearerFetch(source: BearerSource, inner: FetchLike): FetchLike {
  return async (url, init) => {
    const signal = init?.signal ?? AbortSignal.timeout(TOKEN_WAIT_MS);
    const send = async () => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${await source.token(signal)}`);
      return inner(url, { ...init, headers });
    };
    const response = await send();
    if (response.status !== 401 || !source.refused()) return response;
    await response.body?.cancel();
    return send();
  };
}
