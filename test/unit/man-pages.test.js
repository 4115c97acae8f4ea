// The man pages must not drift from the code: every schema key in atp.yaml(5), every option `atp help`
// prints in the page of its command, examples that run as shown, and pages that render without warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { configFromText, ConfigError } from '../../dist/config/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const manDir = path.join(root, 'man');
const bin = path.join(root, 'bin/atp.js');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas/atp.config.schema.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Commands with a page of their own; the others are documented in atp(1). */
const COMMAND_PAGES = { serve: 'atp-serve.1', validate: 'atp-validate.1', search: 'atp-search.1', mcp: 'atp-mcp.1' };
const PAGES = ['atp.1', 'atp-serve.1', 'atp-validate.1', 'atp-search.1', 'atp-mcp.1', 'atp.yaml.5'];

const source = (page) => readFileSync(path.join(manDir, page), 'utf8');

/** Roff source to the words a reader sees: escapes resolved, fonts dropped, comments removed. */
function plain(roff) {
  return roff
    .split('\n')
    .filter((line) => !line.startsWith('.\\"'))
    .join('\n')
    .replace(/\\f(\[[A-Z]*\]|[BIRP])/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\\(dq/g, '"')
    .replace(/\\\(aq/g, "'")
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\');
}

/** Lines of one `.SH` section (up to the next `.SH`), in source form. */
function section(roff, title) {
  const lines = roff.split('\n');
  const start = lines.findIndex((line) => line === `.SH ${title}` || line === `.SH "${title}"`);
  if (start === -1) return [];
  const end = lines.findIndex((line, index) => index > start && line.startsWith('.SH '));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

/** The tag lines of `.TP` items in some lines. */
function tags(lines) {
  return lines.flatMap((line, index) => (index > 0 && lines[index - 1] === '.TP' ? [line] : []));
}

/** Every name, enum value and const tag the schema has, wherever it is (properties, $defs, branches). */
function schemaVocabulary(node, out = { names: new Set(), values: new Set(), defaults: new Set() }) {
  if (Array.isArray(node)) node.forEach((item) => schemaVocabulary(item, out));
  else if (node && typeof node === 'object') {
    if (node.properties && typeof node.properties === 'object') Object.keys(node.properties).forEach((name) => out.names.add(name));
    if (Array.isArray(node.enum)) node.enum.filter((v) => typeof v === 'string' && v === v.toLowerCase()).forEach((v) => out.values.add(v));
    if (typeof node.const === 'string') out.values.add(node.const);
    if (node.default !== undefined && typeof node.default !== 'object') out.defaults.add(String(node.default));
    for (const [key, value] of Object.entries(node)) if (key !== 'enum' && key !== 'default') schemaVocabulary(value, out);
  }
  return out;
}

function atp(args, options = {}) {
  const result = spawnSync(process.execPath, ['--no-node-snapshot', bin, ...args], { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return result;
}

/** Long options and command names from commander's help text. */
function helpEntries(text) {
  const options = new Set();
  const commands = new Set();
  let block;
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line)) block = line;
    const entry = /^ {2}(\S.*?)(?: {2,}|$)/.exec(line);
    if (!entry) continue;
    if (block === 'Options:') for (const [option] of entry[1].matchAll(/--[a-z][a-z-]*/g)) options.add(option);
    if (block === 'Commands:') commands.add(entry[1].split(' ')[0]);
  }
  return { options, commands };
}

function exampleBlocks(roff) {
  const blocks = [];
  const lines = roff.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '.EX') continue;
    const end = lines.indexOf('.EE', i);
    const marker = [lines[i - 1], lines[i - 2]].find((line) => line?.startsWith('.\\" test: '));
    blocks.push({ marker: marker?.slice('.\\" test: '.length).replace(/\\-/g, '-'), text: plain(lines.slice(i + 1, end).join('\n')) + '\n' });
    i = end;
  }
  return blocks;
}

const rootHelp = atp(['--help']);
const top = helpEntries(rootHelp.stdout);

test('atp --help lists options and commands (the rest of this file reads them)', () => {
  assert.equal(rootHelp.status, 0, rootHelp.stderr);
  for (const option of ['--config', '--json', '--version', '--help']) assert.ok(top.options.has(option), `${option} in ${[...top.options]}`);
  for (const command of ['serve', 'validate', 'search', 'help']) assert.ok(top.commands.has(command), `${command} in ${[...top.commands]}`);
});

test('package.json lists exactly the pages in man/, and every page has the sections of its kind', () => {
  assert.deepEqual([...pkg.man].sort(), readdirSync(manDir).map((file) => `man/${file}`).sort());
  assert.deepEqual([...PAGES].sort(), readdirSync(manDir).sort());
  for (const page of PAGES) {
    const roff = source(page);
    const required = page.endsWith('.5')
      ? ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'FILES', 'EXAMPLES', 'SEE ALSO']
      : ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'];
    for (const title of required) assert.ok(section(roff, title).length > 0, `${page} has a ${title} section`);
    const [name, number] = [page.slice(0, page.lastIndexOf('.')), page.slice(page.lastIndexOf('.') + 1)];
    assert.match(roff, new RegExp(`^\\.TH ${name.toUpperCase().replace(/[-.]/g, (c) => (c === '-' ? '\\\\-' : '\\.'))} ${number} `, 'm'), `${page} .TH names it`);
    for (const [, ref, sec] of plain(section(roff, 'SEE ALSO').join('\n')).matchAll(/([\w.-]+)\((\d)\)/g)) {
      assert.ok(PAGES.includes(`${ref}.${sec}`), `${page} refers to ${ref}(${sec}), which is not in man/`);
    }
  }
});

test('atp.yaml(5) documents every key of the schema, in bold, and no key the schema lacks', () => {
  const roff = source('atp.yaml.5');
  const { names } = schemaVocabulary(schema);
  const escaped = (name) => name.replace(/[$.*+?^()[\]{}|\\]/g, '\\$&');
  const missing = [...names].filter((name) =>
    !new RegExp(`\\\\fB(?:[\\w$.\\[\\]]*\\.)?${escaped(name)}\\\\f[RI]`).test(roff) && !new RegExp(`^\\.B ${escaped(name)}$`, 'm').test(roff));
  assert.deepEqual(missing, [], 'schema keys not documented in man/atp.yaml.5');
  const keyTags = tags(section(roff, 'KEYS')).map((line) => /^\\fB([A-Za-z$][\w$.[\]]*)\\fR:/.exec(line)?.[1]).filter(Boolean);
  assert.ok(keyTags.length >= 80, `the KEYS section lists keys as ".TP" tags (found ${keyTags.length})`);
  const unknown = keyTags.flatMap((tag) => tag.split('.').map((part) => part.replace('[]', ''))).filter((part) => !names.has(part));
  assert.deepEqual(unknown, [], 'keys documented in man/atp.yaml.5 that the schema does not have');
});

test('atp.yaml(5) names every enum value, group type, auth type and sink type, and every scalar default', () => {
  const text = plain(source('atp.yaml.5'));
  const { values, defaults } = schemaVocabulary(schema);
  const absent = (word) => !new RegExp(`(^|[^\\w-])${word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}($|[^\\w-])`, 'm').test(text);
  assert.deepEqual([...values].filter(absent), [], 'enum or const values missing from man/atp.yaml.5');
  assert.deepEqual([...defaults].filter(absent), [], 'defaults missing from man/atp.yaml.5');
});

test('every YAML example in atp.yaml(5) is a valid configuration', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atp-man-'));
  try {
    let checked = 0;
    for (const { text } of exampleBlocks(source('atp.yaml.5'))) {
      let data;
      try {
        data = parseYaml(text);
      } catch {
        continue; // shell lines and fragments
      }
      if (!data || typeof data !== 'object' || Array.isArray(data)) continue;
      if (!Object.keys(data).every((key) => key in schema.properties)) continue;
      const config = 'apis' in data ? text : `${text}apis: []\n`;
      // Every referenced variable is set, and every file the example names exists beside it.
      const env = Object.fromEntries([...text.matchAll(/\$\{([A-Za-z_]\w*)/g)].map(([, name]) => [name, name === 'PORT' ? '8080' : `value-of-${name}-long-enough-for-any-secret`]));
      for (const group of data.apis ?? []) {
        for (const file of [group.spec, group.module]) {
          if (typeof file !== 'string' || /^https?:/.test(file)) continue;
          mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
          writeFileSync(path.join(dir, file), '{}');
        }
        if (typeof group.cwd === 'string') mkdirSync(path.join(dir, group.cwd), { recursive: true });
      }
      try {
        configFromText(config, { filepath: path.join(dir, 'atp.yaml'), cwd: dir, env });
      } catch (error) {
        const detail = error instanceof ConfigError ? error.problems.map((p) => `${p.line}:${p.col} ${p.message} (${p.path})`).join('; ') : error.message;
        assert.fail(`example in man/atp.yaml.5 is not valid: ${detail}\n${config}`);
      }
      checked++;
    }
    assert.ok(checked >= 14, `checked ${checked} examples; the page should have one per section`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the output shown in atp-validate(1) is what atp validate prints for the input shown', () => {
  const blocks = exampleBlocks(source('atp-validate.1')).filter((block) => block.marker);
  const pairs = [];
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i].marker.startsWith('input atp.yaml')) pairs.push({ input: blocks[i].text, output: blocks[i + 1] });
  }
  assert.equal(pairs.length, 2, 'two input/output examples are marked in man/atp-validate.1');
  for (const { input, output } of pairs) {
    const args = output.marker.replace(/^output of atp /, '').split(' ');
    const dir = mkdtempSync(path.join(tmpdir(), 'atp-man-'));
    try {
      writeFileSync(path.join(dir, 'atp.yaml'), input);
      const result = atp(args, { cwd: dir });
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stdout, output.text, `atp ${args.join(' ')} on the example of man/atp-validate.1`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('every option atp help prints is documented in the page of its command', () => {
  const atp1 = source('atp.1');
  const tagText = (lines) => tags(lines).map((line) => plain(line).replace(/^\.[BIR]+ /, '').replace(/"/g, '')).join('\n');
  const inTags = (text, option) => new RegExp(`(^|[\\s,])${option}($|[\\s,])`, 'm').test(text);
  const globalTags = tagText(section(atp1, 'OPTIONS'));
  for (const option of top.options) assert.ok(inTags(globalTags, option), `global option ${option} is in the OPTIONS of man/atp.1`);
  for (const [, short] of rootHelp.stdout.matchAll(/^ {2}(-[a-zA-Z]),/gm)) assert.ok(inTags(globalTags, short), `${short} is in the OPTIONS of man/atp.1`);
  const commandTags = tags(section(atp1, 'COMMANDS')).map((line) => plain(line).replace(/^\.B[IR]? /, '').split(/\s/)[0]);
  for (const command of top.commands) assert.ok(commandTags.includes(command), `command ${command} has an entry in COMMANDS of man/atp.1`);

  for (const command of [...top.commands].filter((name) => name !== 'help')) {
    const help = atp(['help', command]);
    assert.equal(help.status, 0, help.stderr);
    const page = COMMAND_PAGES[command] ?? 'atp.1';
    const entries = helpEntries(help.stdout);
    const own = [...entries.options].filter((option) => !top.options.has(option));
    const shorts = [...help.stdout.matchAll(/^ {2}(-[a-zA-Z]),/gm)].map((match) => match[1]).filter((short) => short !== '-h');
    // a command with a page documents its options under OPTIONS there; the others under their entry in atp(1)
    const documented = page === 'atp.1' ? tagText(commandEntry(atp1, command)) : tagText(section(source(page), 'OPTIONS'));
    for (const option of [...own, ...shorts]) assert.ok(inTags(documented, option), `option ${option} of atp ${command} is documented in man/${page}`);
    const known = new Set([...top.options, ...entries.options]);
    for (const [option] of documented.matchAll(/--[a-z][a-z-]*/g)) assert.ok(known.has(option), `man/${page} documents ${option}, which atp ${command} does not have`);
    if (page !== 'atp.1') assert.ok(plain(section(source(page), 'SYNOPSIS').join('\n')).includes(`atp ${command}`), `man/${page} SYNOPSIS shows atp ${command}`);
  }
  const levels = /--log-level[^(]*\(choices:\s*([^)]*)\)/.exec(rootHelp.stdout)?.[1].match(/[a-z]+/g) ?? [];
  assert.ok(levels.length > 0, 'atp --help lists the log levels');
  const globalText = plain(section(atp1, 'OPTIONS').join('\n'));
  for (const level of levels) assert.match(globalText, new RegExp(`\\b${level}\\b`), `log level ${level} in the OPTIONS of man/atp.1`);
});

/** The lines of one command's entry in the COMMANDS section of atp(1), nested option lists included. */
function commandEntry(roff, command) {
  const lines = section(roff, 'COMMANDS');
  const start = lines.findIndex((line, index) => index > 0 && lines[index - 1] === '.TP' && plain(line).replace(/^\.B[IR]? /, '').split(/\s/)[0] === command);
  if (start === -1) return [];
  let depth = 0;
  let end = start + 1;
  for (; end < lines.length; end++) {
    if (lines[end] === '.RS' || lines[end].startsWith('.RS ')) depth++;
    if (lines[end] === '.RE') depth--;
    if (depth === 0 && lines[end] === '.TP') break;
  }
  return lines.slice(start - 1, end);
}

function which(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
}

test('each page renders with man -l (or groff) without warnings', (t) => {
  const hasMan = which('man');
  const hasGroff = which('groff');
  if (!hasMan && !hasGroff) {
    t.skip('neither man nor groff is installed (apt-get install man-db groff-base)');
    return;
  }
  for (const page of PAGES) {
    const file = path.join(manDir, page);
    // man-db's --warnings=w turns on every groff warning; groff itself is asked too when present
    const runs = [
      hasMan && spawnSync('man', ['--warnings=w', '-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } }),
      hasGroff && spawnSync('groff', ['-man', '-ww', '-Tutf8', '-P-cbou', file], { encoding: 'utf8' }),
    ].filter(Boolean);
    for (const result of runs) {
      assert.equal(result.status, 0, `${page}: ${result.stderr}`);
      assert.equal(result.stderr, '', `${page} renders without warnings`);
    }
    const result = runs[0];
    const name = page.slice(0, page.lastIndexOf('.'));
    assert.match(result.stdout, new RegExp(`NAME\\s+${name.replace(/[.]/g, '\\.')}\\s+-\\s`), `${page} shows its NAME line`);
    if (which('lexgrog')) {
      const whatis = spawnSync('lexgrog', [file], { encoding: 'utf8' });
      assert.equal(whatis.status, 0, `lexgrog (whatis/apropos) parses the NAME of ${page}: ${whatis.stdout}${whatis.stderr}`);
    }
  }
});
