#!/usr/bin/env node
// isolated-vm needs V8's startup snapshot off (Node >= 20): re-run ourselves with the flag when it is missing.
import { spawn } from 'node:child_process';

if (process.execArgv.includes('--no-node-snapshot')) {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
} else {
  const args = ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
