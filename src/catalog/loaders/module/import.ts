// Importing a module group's file: JavaScript as is, TypeScript through esbuild-backed module hooks.

import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

let hooksRegistered = false;

export function isTypeScriptFile(file: string): boolean {
  return /\.(?:ts|mts|tsx)$/.test(file);
}

export async function importToolModule(file: string): Promise<Record<string, unknown>> {
  if (isTypeScriptFile(file) && !hooksRegistered) {
    register(new URL('./ts-hooks.js', import.meta.url));
    hooksRegistered = true;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}
