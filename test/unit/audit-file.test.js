// The audit file sink on a real file system: rotation by size with nothing lost or torn, daily rotation by an
// injected clock, the retention count, a file from an earlier day, and a full disk (/dev/full) said and counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileSink } from '../../dist/audit/file-sink.js';
import { SinkHealth } from '../../dist/audit/health.js';
import { createLogger } from '../../dist/logging/index.js';

function recordingLogger() {
  const lines = [];
  return { lines, logger: createLogger({ level: 'debug', format: 'text', write: (line) => lines.push(line) }) };
}

function sinkIn(dir, options = {}, logger = recordingLogger().logger) {
  const file = path.join(dir, 'events.jsonl');
  const health = new SinkHealth('file', file, { logger, onFailure: 'continue', ...(options.now && { now: options.now }) });
  return { file, sink: new FileSink({ path: file, daily: false, health, ...options }) };
}

/** Every line of every file in `dir`, parsed; throws on a torn line. */
function linesIn(dir) {
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    assert.ok(text === '' || text.endsWith('\n'), `${name} ends with a whole line`);
    out[name] = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }
  return out;
}

const line = (n, pad = 60) => JSON.stringify({ n, pad: 'x'.repeat(pad) });

test('size rotation: every line written once, in order, no file past maxSize, none torn', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    const maxSize = 4096;
    const { sink } = sinkIn(dir, { maxSize });
    // a burst from many writers at once, some waiting for their line
    const confirmed = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 100 === 0) confirmed.push(sink.written(line(i, i % 7 === 0 ? 300 : 60)));
      else sink.write(line(i, i % 7 === 0 ? 300 : 60));
    }
    await Promise.all(confirmed);
    await sink.close();
    const files = linesIn(dir);
    const rotated = Object.keys(files).filter((name) => name !== 'events.jsonl');
    assert.ok(rotated.length >= 10, `rotated ${rotated.length} times`);
    for (const name of Object.keys(files)) assert.ok(statSync(path.join(dir, name)).size <= maxSize, `${name} is within maxSize`);
    // rotated files oldest first by their number, then the active file
    const order = [...rotated.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])), 'events.jsonl'];
    const all = order.flatMap((name) => files[name].map((event) => event.n));
    assert.deepEqual(all, Array.from({ length: 2000 }, (_, i) => i));
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(rotated.every((name) => name.startsWith(`events.${today}.`) && name.endsWith('.jsonl')), rotated.join(' '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daily rotation: the day\'s lines go to <name>.<day>.1<ext> when the UTC day changes (an injected clock)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    let now = Date.UTC(2026, 11, 7, 23, 59, 58);
    const { sink } = sinkIn(dir, { daily: true, now: () => now });
    await sink.written(line(1));
    await sink.written(line(2));
    now = Date.UTC(2026, 11, 8, 0, 0, 1);
    await sink.written(line(3));
    now = Date.UTC(2026, 11, 9, 12, 0, 0);
    await sink.written(line(4));
    await sink.close();
    const files = linesIn(dir);
    assert.deepEqual(Object.keys(files).sort(), ['events.2026-12-07.1.jsonl', 'events.2026-12-08.1.jsonl', 'events.jsonl']);
    assert.deepEqual(files['events.2026-12-07.1.jsonl'].map((event) => event.n), [1, 2]);
    assert.deepEqual(files['events.2026-12-08.1.jsonl'].map((event) => event.n), [3]);
    assert.deepEqual(files['events.jsonl'].map((event) => event.n), [4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file left from an earlier day is rotated before the first new line; one of today is appended to', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    const file = path.join(dir, 'events.jsonl');
    writeFileSync(file, line(0) + '\n');
    const now = Date.now(); // the file's mtime after a write is the real clock's
    const earlier = now - 7 * 86_400_000;
    utimesSync(file, earlier / 1000, earlier / 1000);
    const { sink } = sinkIn(dir, { daily: true, now: () => now });
    await sink.written(line(1));
    await sink.close();
    const again = sinkIn(dir, { daily: true, now: () => now }).sink; // the file is today's now
    await again.written(line(2));
    await again.close();
    const files = linesIn(dir);
    assert.deepEqual(files[`events.${new Date(earlier).toISOString().slice(0, 10)}.1.jsonl`].map((event) => event.n), [0]);
    assert.deepEqual(files['events.jsonl'].map((event) => event.n), [1, 2]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention: only the newest maxFiles rotated files are kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    writeFileSync(path.join(dir, 'other.2026-01-01.1.jsonl'), '{"other":true}\n'); // another sink's file stays
    const { sink } = sinkIn(dir, { maxSize: 1024, maxFiles: 3 });
    for (let i = 0; i < 400; i++) sink.write(line(i));
    await sink.close();
    const files = linesIn(dir);
    const rotated = Object.keys(files).filter((name) => name.startsWith('events.') && name !== 'events.jsonl');
    assert.equal(rotated.length, 3, rotated.join(' '));
    assert.ok(existsSync(path.join(dir, 'other.2026-01-01.1.jsonl')));
    // the kept ones are the last lines written: contiguous up to 399
    const numbers = rotated.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2])).concat('events.jsonl').flatMap((name) => files[name].map((event) => event.n));
    assert.equal(numbers.at(-1), 399);
    assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => 400 - numbers.length + i));
    assert.ok(Math.max(...rotated.map((name) => Number(name.split('.')[2]))) > 3, 'older rotated files existed and were removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk (/dev/full): the loss is reported once a minute with its count, confirmed writes reject', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-'));
  try {
    const full = path.join(dir, 'events.jsonl');
    symlinkSync('/dev/full', full);
    let now = 0;
    const { logger, lines } = recordingLogger();
    const health = new SinkHealth('file', full, { logger, onFailure: 'continue', now: () => now });
    const sink = new FileSink({ path: full, daily: false, health });
    await assert.rejects(sink.written(line(1)), { code: 'ENOSPC' });
    for (let i = 0; i < 50; i++) sink.write(line(i));
    await assert.rejects(sink.written(line(99)), { code: 'ENOSPC' });
    assert.equal(health.failure, 'ENOSPC');
    assert.equal(health.lost, 52);
    assert.equal(lines.filter((text) => /could not be delivered/.test(text)).length, 1, lines.join('\n'));
    now += 61_000;
    await assert.rejects(sink.written(line(100)));
    const reports = lines.filter((text) => /could not be delivered/.test(text));
    assert.equal(reports.length, 2);
    assert.match(reports[1], /events=52 reason=ENOSPC/, 'the second line counts what was lost since the first');
    await sink.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SinkHealth: a recovery is said once, after a reported failure', () => {
  let now = 0;
  const { logger, lines } = recordingLogger();
  const health = new SinkHealth('http', 'http://127.0.0.1:9', { logger, onFailure: 'reject', now: () => now });
  health.succeeded();
  assert.deepEqual(lines, []);
  health.failed('HTTP 503', 3);
  assert.match(lines[0], /executions are refused until it writes again \(audit.onFailure: reject\)/);
  health.failed('HTTP 503', 2);
  health.succeeded();
  health.succeeded();
  assert.equal(lines.length, 2);
  assert.match(lines[1], /the audit sink writes again .*lostSinceLastReport=2/);
  assert.equal(health.failure, undefined);
  assert.equal(health.lost, 5);
});
