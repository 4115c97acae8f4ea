#!/usr/bin/env node
// Where a CPU profile's time goes (a .cpuprofile from node --cpu-prof, as BENCH_PROF=<dir> writes for our servers):
// self time by function and by file, largest first, as shares of the samples. Only the main thread is profiled:
// isolated-vm's threads (isolate builds, teardowns, turns run off the event loop) do not show here.
//
//   node bench/profile-summary.js <file.cpuprofile | dir> [--top 25]

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function summarize(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
  const fns = new Map();
  const files = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const file = shortUrl(callFrame.url) || `(${callFrame.functionName || 'native'})`;
    const key = `${callFrame.functionName || '(anonymous)'}  ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    total += us;
  }
  const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, functions: rank(fns), files: rank(files) };
}

function shortUrl(url) {
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(dist|bench)\//, '$1/');
}

if (import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  const args = process.argv.slice(2);
  const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 25;
  let target = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--top');
  if (!target) {
    console.error('usage: node bench/profile-summary.js <file.cpuprofile | dir> [--top 25]');
    process.exit(2);
  }
  if (statSync(target).isDirectory()) {
    const files = readdirSync(target).filter((name) => name.endsWith('.cpuprofile')).map((name) => path.join(target, name));
    target = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  }
  const { totalMs, functions, files } = summarize(JSON.parse(readFileSync(target, 'utf8')));
  const line = ({ name, ms, share }) => `${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`;
  console.log(`${path.basename(target)}: ${totalMs.toFixed(0)} ms of main-thread samples`);
  console.log(`\nby function (self time), top ${top}:`);
  for (const entry of functions.slice(0, top)) console.log(line(entry));
  console.log(`\nby file, top ${top}:`);
  for (const entry of files.slice(0, top)) console.log(line(entry));
}
