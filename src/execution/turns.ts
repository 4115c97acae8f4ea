// How turns enter an execution's sandbox: two paths behind one interface. EventLoopTurns runs a turn on this
// thread and waits for its end (no thread hop either way: the cheap path while turns are short); ThreadTurns
// hands it to isolated-vm's threads (the path for code that computes between its awaits, and for replays).
// The execution decides which path takes the next turn, and proves idleness with snapshots (execution.ts).

import type { Logger } from '../logging/index.js';
import type { Sandbox, SandboxSetup, TurnFailure } from '../sandbox/index.js';
import { encodeTurn, type Delivery } from './journal.js';

/** What a turn path needs from its execution. */
export interface TurnHost {
  readonly id: string;
  readonly logger: Logger;
  /** Until the execution's deadline, ms. */
  remaining(): number;
  /** A live event: a snapshot taken before it proves nothing about idleness. */
  active(): void;
  /** A live turn's deliveries, once they entered whole, for the journal. */
  journal(batch: Delivery[]): void;
  /** Clock readings the sandbox made, for the journal. */
  readings(clock: number[], overflow: boolean): void;
  /** A turn did not complete normally (a rejection nothing handled, a timeout, memory, a lost isolate). */
  failed(failure: TurnFailure): void;
  /** A turn could not even start: V8 rejected the code, or the sandbox broke. */
  broke(error: unknown): void;
  /** False once the execution ended (a failure may have ended it). */
  running(): boolean;
  /** An event-loop turn outgrew its budget and V8 stopped it: the program must be rebuilt off this thread. */
  outgrew(batch: Delivery[] | null): void;
  /** No awaited turn runs any more. */
  idle(): void;
  /** Deliveries that waited may flush now. */
  kick(): void;
  /** The sandbox may be idle: check with a snapshot. */
  checkIdle(): void;
}

export interface TurnPath {
  /** The first turn: the program starts with its settings. */
  start(sandbox: Sandbox, setup: SandboxSetup, script: string): void;
  /** Live deliveries (call results, errors, timer firings) enter as one turn, and are journaled. */
  deliver(sandbox: Sandbox, batch: Delivery[]): void;
}

/**
 * Turns that deliver host results run on the event loop (Sandbox.deliverSync) while they are short. Turns
 * longer than `slowMs` add their time to a sum that decays by a tenth each turn; past `slowTotalMs`, the
 * execution's later turns go to isolated-vm's threads. So a program that computes between its awaits moves
 * within a few turns, and a plain call loop stays (measured: 19 of its 15,000 turns over 1 ms, GC pauses, far
 * apart). A turn that would take longer than `budgetMs` is stopped, and the program is rebuilt off the loop
 * by replay (TurnHost.outgrew).
 */
export interface InlineTurns { slowMs: number; slowTotalMs: number; budgetMs: number }
export const DEFAULT_INLINE_TURNS: InlineTurns = { slowMs: 1, slowTotalMs: 20, budgetMs: 10 };

export class EventLoopTurns implements TurnPath {
  /** Turns run here until they are slow; then the execution's turns take ThreadTurns. */
  enabled = true;
  /** Posts the sandbox had made by the end of the last turn: the next turn waits until all arrived. */
  posted = 0;
  /** Time of the recent turns slower than slowMs, decaying by a tenth each turn. */
  private slowTotal = 0;

  constructor(private readonly limits: InlineTurns, private readonly host: TurnHost) {}

  /** Sandbox.startSync, as deliver runs the later turns with deliverSync. */
  start(sandbox: Sandbox, setup: SandboxSetup, script: string): void {
    const remaining = this.host.remaining();
    const budget = Math.min(this.limits.budgetMs, remaining);
    this.host.active();
    const started = performance.now();
    let failure: TurnFailure | undefined;
    try {
      failure = sandbox.startSync(setup, script, budget);
    } catch (error) {
      return this.host.broke(error);
    }
    if (failure?.kind === 'timeout' && budget < remaining) return this.host.outgrew(null);
    this.after(sandbox, performance.now() - started, failure);
  }

  deliver(sandbox: Sandbox, batch: Delivery[]): void {
    const remaining = this.host.remaining();
    const budget = Math.min(this.limits.budgetMs, remaining);
    this.host.active();
    const started = performance.now();
    const failure = sandbox.deliverSync(encodeTurn(batch), true, budget);
    if (failure?.kind === 'timeout' && budget < remaining) return this.host.outgrew(batch);
    this.host.journal(batch);
    this.after(sandbox, performance.now() - started, failure);
  }

  /** After a turn that ran to its end (or failed for good): the slow-turn rule, then what it posted and read. */
  private after(sandbox: Sandbox, took: number, failure: TurnFailure | undefined): void {
    this.slowTotal = this.slowTotal * 0.9 + (took > this.limits.slowMs ? took : 0);
    if (this.slowTotal > this.limits.slowTotalMs) {
      // this code computes between its awaits: the next turns run off the event loop, in parallel with others
      this.enabled = false;
      this.host.logger.debug('turns were slow: later turns of this execution run off the event loop', { execution: this.host.id, slowMs: Math.round(this.slowTotal) });
    }
    if (failure) this.host.failed(failure);
    if (!this.host.running()) return;
    let after: ReturnType<Sandbox['postsAndClockSync']>;
    try {
      after = sandbox.postsAndClockSync();
    } catch {
      return this.host.failed(sandbox.lost());
    }
    // the clock readings of every finished turn are in the journal, as a replay would need them
    if (after.clock.length > 0 || after.clockOverflow) this.host.readings(after.clock, after.clockOverflow);
    this.posted = after.posted;
    sandbox.dispatchRecorded(); // the turn's posts, now: each may finish the execution
    this.host.checkIdle();
  }
}

export class ThreadTurns implements TurnPath {
  /** Turns whose end we wait for: the first run. */
  awaited = 0;
  /** Turns sent without waiting (results of server calls, timers) that no snapshot has covered yet. */
  unprobed = 0;

  constructor(private readonly host: TurnHost) {}

  /** Sandbox.start on isolated-vm's threads; its end is awaited. */
  start(sandbox: Sandbox, setup: SandboxSetup, script: string): void {
    this.awaited++;
    this.host.active();
    sandbox.start(setup, script, this.host.remaining()).then(
      (failure) => {
        this.ended();
        if (failure) this.host.failed(failure);
        this.host.kick();
        this.host.checkIdle();
      },
      (error: unknown) => {
        this.ended();
        this.host.broke(error);
      },
    );
  }

  deliver(sandbox: Sandbox, batch: Delivery[]): void {
    this.host.journal(batch);
    this.send(sandbox, batch, true);
    this.host.checkIdle();
  }

  /** A journal's turn, entering again in a replay (it is journaled already, and not a live event). */
  replay(sandbox: Sandbox, batch: Delivery[]): void {
    this.send(sandbox, batch, false);
  }

  /** A snapshot answered: the turns sent before it are over. */
  covered(turns: number): void {
    this.unprobed -= turns;
  }

  /** A turn sent without waiting for its end; its calls arrive before any later snapshot's answer. */
  private send(sandbox: Sandbox, batch: Delivery[], live: boolean): void {
    this.unprobed++;
    if (live) this.host.active();
    if (!sandbox.deliverIgnored(encodeTurn(batch), live, this.host.remaining())) this.host.failed(sandbox.lost());
  }

  private ended(): void {
    this.awaited--;
    if (this.awaited === 0) this.host.idle();
  }
}
