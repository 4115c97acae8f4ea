// Importing a module group's file through module hooks: TypeScript transpiled by esbuild, and `atp-daemon`
// found even where the project did not install it.

import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

let hooksRegistered = false;

export function isTypeScriptFile(file: string): boolean {
  return /\.(?:ts|mts|tsx)$/.test(file);
}

export async function importToolModule(file: string): Promise<Record<string, unknown>> {
  if (!hooksRegistered) {
    register(new URL('./module-hooks.js', import.meta.url));
    hooksRegistered = true;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
