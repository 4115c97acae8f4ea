// The answer of the busiest routes (execute, resume): serialized once and written with its headers in one call.
// koa would look the media type up, set each header through its own checks and serialize the body itself; the
// bytes on the wire are the same (koa's content type for JSON, a Content-Length, the headers set before).

import type { Context } from 'koa';

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(ctx: Context, value: object): void {
  // a response already ended or a connection already gone: koa's own handling says what happens then
  if (!ctx.writable || ctx.headerSent) {
    ctx.body = value;
    return;
  }
  const body = JSON.stringify(value);
  ctx.respond = false;
  ctx.res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body) });
  ctx.res.end(body);
}
