#!/usr/bin/env node
// isolated-vm needs V8's startup snapshot off (Node >= 20, isolated-vm 5 to 7), which only a flag at start can do:
// without it, atp runs Node again with --no-node-snapshot. Where Node has process.execve (22.15 and later, not on
// Windows) this same process becomes that one: one pid, signals straight to the server. Elsewhere a child runs
// it and exits when this launcher dies, even by SIGKILL: the kernel then closes their IPC channel.
import { spawn } from 'node:child_process';

const snapshotOff = process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS ?? '');

if (snapshotOff) {
  if (process.env.ATP_LAUNCHER_PID && process.channel) {
    delete process.env.ATP_LAUNCHER_PID; // not for the processes this one starts
    process.channel.unref();
    process.once('disconnect', () => {
      process.stderr.write('atp: the launcher process is gone; exiting with it\n');
      process.exit(1); // 'exit' handlers stop the MCP servers this process started
    });
  }
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
} else {
  const args = ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)];
  if (typeof process.execve === 'function') {
    try {
      process.execve(process.execPath, [process.execPath, ...args]);
    } catch {
      // execve(2) refused (a seccomp policy, say): a child does the same, one process more
    }
  }
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ATP_LAUNCHER_PID: String(process.pid) } });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`atp: could not start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
