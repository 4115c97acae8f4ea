// The W3C trace context of a tool call (CallContext.trace, set only when tracing is on) on every HTTP request the
// remote MCP transports send for it. The SDK sends from inside callTool, so the context travels with the call's
// async flow to the transport's fetch; requests of no call (the handshake, the SSE stream) carry none.

import { AsyncLocalStorage } from 'node:async_hooks';

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;
type TraceHeaders = Readonly<Record<string, string>>;

const calls = new AsyncLocalStorage<TraceHeaders>();

/** Runs `work` (a call to the server) with `trace` as the context its HTTP requests carry; as it is without one. */
export function withTraceContext<T>(trace: TraceHeaders | undefined, work: () => Promise<T>): Promise<T> {
  return trace ? calls.run(trace, work) : work();
}

/** A fetch that adds the current call's trace context headers, if any, to each request. */
export function tracingFetch(inner: FetchLike): FetchLike {
  return (url, init) => {
    const trace = calls.getStore();
    if (!trace) return inner(url, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(trace)) headers.set(name, value);
    return inner(url, { ...init, headers });
  };
}
