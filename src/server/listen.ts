// The HTTP server around the koa app: listen, count requests in flight, and close in stages on shutdown.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface Listener {
  url: string;
  server: http.Server;
  /** Stops accepting, waits up to graceMs for requests in flight, then closes every connection. */
  close(graceMs: number): Promise<{ unfinished: number }>;
}

export async function listen(app: Koa, host: string, port: number, requestTimeoutMs: number): Promise<Listener> {
  // small answers go out at once: no Nagle delay on keep-alive connections
  const server = http.createServer({ noDelay: true }, app.callback());
  // executions may legitimately run for minutes
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  let inFlight = 0;
  let settle: (() => void) | undefined;
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) settle?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const drained = new Promise<void>((resolve) => (settle = resolve));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
