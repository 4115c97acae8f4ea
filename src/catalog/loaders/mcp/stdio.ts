// A stdio MCP transport that stops its child and the processes it started: closing it (or this process
// exiting) leaves no orphan, even when the command is a wrapper such as npx; exit codes and stderr lines are reported.

import { spawn, type ChildProcess } from 'node:child_process';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_ANSWER_BYTES } from '../../types.js';
import { descendantsOf, signalAll } from './process-tree.js';

export interface StdioParams {
  command: string;
  args?: string[];
  /** Added to HOME, LOGNAME, PATH, SHELL, TERM and USER: the daemon's other variables (secrets) are not passed on. */
  env?: Record<string, string>;
  cwd?: string;
  onStderrLine(line: string): void;
  /** The largest message taken (default MAX_ANSWER_BYTES); tests make it small. */
  maxMessageBytes?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const GRACE_MS = 2000;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const MAX_STDERR_LINE = 2000;
/** Of a message over the limit, only its first and last bytes are kept: enough to find its id. */
const KEPT_ENDS = 256;

export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** How the child ended, once it did. */
  exit?: ChildExit;
  private child?: ChildProcess;
  /** The start of a line not complete yet, in the pieces it came in (joined once, when its end arrives). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** A line over the limit being skipped: its size so far, first and last bytes. */
  private oversized?: { bytes: number; head: Buffer; tail: Buffer };
  private stderrTail = '';
  private closed = false;
  private finished = false;
  private readonly killOnExit = () => this.signalTree('SIGKILL');
  private readonly maxMessageBytes: number;

  constructor(private readonly params: StdioParams) {
    this.maxMessageBytes = params.maxMessageBytes ?? MAX_ANSWER_BYTES;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('this transport was already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.params.command, this.params.args ?? [], {
        env: { ...getDefaultEnvironment(), ...this.params.env },
        cwd: this.params.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      this.child = child;
      child.on('error', (error) => {
        if (!child.pid) reject(error);
        else this.onerror?.(error);
      });
      child.once('spawn', () => {
        process.once('exit', this.killOnExit);
        resolve();
      });
      // 'close' comes once stdout is drained; a grandchild holding stdout open must not hide the exit for long
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        setTimeout(() => this.ended(), 200).unref();
      });
      child.once('close', () => this.ended());
      child.stdin!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      child.stdout!.on('error', (error) => this.onerror?.(error));
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => this.stderr(text));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.exit || this.closed) return Promise.reject(new Error('the MCP server process is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** Ends stdin and waits; then SIGTERM, then SIGKILL to the child and every process it started. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child?.pid) return; // never spawned (no such program)
    const family = this.exit ? [] : descendantsOf(child.pid); // before the leader dies and they are re-parented
    if (!this.exit) {
      child.stdin?.end();
      if (!(await this.waitForExit(GRACE_MS))) {
        this.signalTree('SIGTERM');
        if (!(await this.waitForExit(GRACE_MS))) {
          this.signalTree('SIGKILL');
          await this.waitForExit(GRACE_MS);
        }
      }
    }
    signalAll(family, 'SIGTERM'); // what outlived the leader
    process.removeListener('exit', this.killOnExit);
  }

  /**
   * One message a line. Each is only parsed here: the SDK's Protocol checks its shape when it dispatches it
   * (and reports one it cannot place), so the schema check the SDK's own ReadBuffer adds is not repeated
   * (several µs a message).
   */
  private read(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end >= 0; end = chunk.indexOf(NEWLINE, start)) {
      this.keep(chunk.subarray(start, end));
      start = end + 1;
      this.lineEnded();
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** A piece of the current line: kept until the line ends, or past the limit only counted (its ends kept). */
  private keep(piece: Buffer): void {
    if (this.oversized) {
      this.oversized.bytes += piece.length;
      this.oversized.tail = lastBytes([this.oversized.tail, piece]);
      return;
    }
    this.partial.push(piece);
    this.partialBytes += piece.length;
    if (this.partialBytes <= this.maxMessageBytes) return;
    this.oversized = { bytes: this.partialBytes, head: Buffer.concat(this.partial, Math.min(KEPT_ENDS, this.partialBytes)), tail: lastBytes(this.partial) };
    this.partial = [];
    this.partialBytes = 0;
  }

  private lineEnded(): void {
    if (this.oversized) {
      this.refuse(this.oversized);
      this.oversized = undefined;
      return;
    }
    const line = this.partial.length === 1 ? this.partial[0] : Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    this.deliver(line.toString('utf8', 0, line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length));
  }

  /**
   * A message too large to take: reported, and when it is an answer whose id can be read from its ends, that
   * request fails at once with the reason (else it ends at its timeout).
   */
  private refuse(message: { bytes: number; head: Buffer; tail: Buffer }): void {
    const reason = `the MCP server sent a message of ${message.bytes} bytes, above the limit of ${this.maxMessageBytes} bytes for one answer; ask it for less (a page, a filter, a range)`;
    this.onerror?.(new Error(reason));
    const head = message.head.toString('latin1');
    // a request from the server has ids of its own: answering one of ours with its id would fail another call
    if (/"method"\s*:/.test(head)) return;
    const id = answerId(head, message.tail.toString('latin1'));
    if (id !== undefined) this.onmessage?.({ jsonrpc: '2.0', id, error: { code: -32603, message: reason } });
  }

  private deliver(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.onerror?.(new Error(`the MCP server wrote something that is not a JSON-RPC message to stdout: ${(error as Error).message}`));
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message) || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      this.onerror?.(new Error(`the MCP server wrote a line to stdout that is not a JSON-RPC 2.0 message: ${line.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }

  private stderr(text: string): void {
    const lines = (this.stderrTail + text).split(/\r?\n/);
    this.stderrTail = lines.pop() ?? '';
    if (this.stderrTail.length > MAX_STDERR_LINE) {
      lines.push(this.stderrTail);
      this.stderrTail = '';
    }
    for (const line of lines) if (line.trim()) this.params.onStderrLine(line.slice(0, MAX_STDERR_LINE));
  }

  private ended(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stderrTail.trim()) this.params.onStderrLine(this.stderrTail.slice(0, MAX_STDERR_LINE));
    this.stderrTail = '';
    this.partial = [];
    this.partialBytes = 0;
    this.oversized = undefined;
    process.removeListener('exit', this.killOnExit);
    this.onclose?.();
  }

  private waitForExit(ms: number): Promise<boolean> {
    const child = this.child;
    if (!child || this.exit) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.removeListener('exit', done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      child.once('exit', done);
    });
  }

  private signalTree(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid || this.exit) return;
    signalAll([pid, ...descendantsOf(pid)], signal);
  }
}

/** The last KEPT_ENDS bytes of `pieces` taken together, copying no more than those. */
function lastBytes(pieces: Buffer[]): Buffer {
  const kept: Buffer[] = [];
  let size = 0;
  for (let i = pieces.length - 1; i >= 0 && size < KEPT_ENDS; i--) {
    kept.unshift(pieces[i]);
    size += pieces[i].length;
  }
  return Buffer.from(Buffer.concat(kept).subarray(-KEPT_ENDS));
}

/**
 * The id of a JSON-RPC answer from the first and last bytes of its text: where serializers put it, first
 * (`{"jsonrpc":"2.0","id":3,...`) or last (`...,"id":3}`, as the TypeScript SDK does). Undefined when neither
 * place holds one: an id nested in the result is never taken for it.
 */
export function answerId(head: string, tail: string): string | number | undefined {
  const ID = String.raw`"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")`;
  const first = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?${ID}\s*,`).exec(head);
  const last = first ?? new RegExp(String.raw`[,{]\s*${ID}\s*\}\s*$`).exec(tail);
  if (!last) return undefined;
  try {
    return JSON.parse(last[1]) as string | number;
  } catch {
    return undefined;
  }
}

/** `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(exit: ChildExit | undefined): string {
  if (!exit) return 'stopped';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
