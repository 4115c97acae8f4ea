// Installs the reference server into bench/.reference (gitignored), once.

import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REFERENCE_VERSION = '0.19.17';
const prefix = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.reference');

export function ensureReference() {
  const marker = path.join(prefix, 'node_modules', '@mondaydotcomorg', 'atp-server', 'package.json');
  if (!existsSync(marker)) {
    process.stderr.write(`installing @mondaydotcomorg/atp-server@${REFERENCE_VERSION} into ${prefix} ...\n`);
    run(['install', '--prefix', prefix, '--no-audit', '--no-fund', `@mondaydotcomorg/atp-server@${REFERENCE_VERSION}`]);
  }
  // npm 11 may skip install scripts it was not told to allow: isolated-vm's addon is then missing. The same
  // version built for this project (same Node) serves; otherwise build it.
  const addon = path.join(prefix, 'node_modules', 'isolated-vm', 'out', 'isolated_vm.node');
  if (!existsSync(addon)) {
    const ours = path.join(prefix, '..', '..', 'node_modules', 'isolated-vm');
    if (existsSync(path.join(ours, 'out', 'isolated_vm.node')) && version(ours) === version(path.dirname(path.dirname(addon)))) {
      mkdirSync(path.dirname(addon), { recursive: true });
      copyFileSync(path.join(ours, 'out', 'isolated_vm.node'), addon);
    } else {
      process.stderr.write('building isolated-vm for the reference server ...\n');
      run(['rebuild', 'isolated-vm', '--prefix', prefix]);
    }
  }
}

function version(packageDir) {
  return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
}

function run(args) {
  const result = spawnSync('npm', args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) ensureReference();
