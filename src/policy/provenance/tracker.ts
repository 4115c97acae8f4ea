// One execution's provenance: every value that entered its sandbox, labelled with where it came from, and the
// data-flow rules checked against each call's input before the call is made.

import type { Audit, AuditSubject } from '../../audit/index.js';
import type { Metrics } from '../../telemetry/index.js';
import type { Literals } from './literals.js';
import type { CompiledRules, ExfiltrationRule, OriginRule } from './rules.js';
import { ValueIndex, walkLeaves, type Label, type Match } from './values.js';

export type Action = 'block' | 'approve' | 'log';

/** What a call's input breaks: the strongest action of the rules it breaks, and why, in words. */
export interface Decision {
  action: Action;
  rules: string[];
  message: string;
  /** Where the offending data came from: api.crm.getCustomer, an LLM answer... */
  origins: string[];
}

/** A restricted value to remember for the client's later executions. */
export interface RememberedValue { value: string | number; origin: string; readers: string[] }

export interface TrackerOptions {
  rules: CompiledRules;
  literals: Literals;
  remembered: RememberedValue[];
  /** Restricted values read in this execution, for the client's later ones. */
  remember(values: RememberedValue[]): void;
  audit?: Audit;
  metrics?: Metrics;
  subject: AuditSubject;
}

const STRENGTH: Record<Action, number> = { log: 0, approve: 1, block: 2 };
/** Numbers with fewer digits are not remembered across executions. */
const MIN_REMEMBERED_DIGITS = 4;
/**
 * Strings are remembered when they are this long, or hold a digit or an @ (ids, e-mail addresses, phone
 * numbers): a short plain word (a city, a status) would make later programs that merely mention it refused.
 */
const MIN_REMEMBERED_WORD = 8;
const MAX_REMEMBERED_CHARS = 4096;

interface PendingCall { op: string; name: string; args: unknown }

export class ProvenanceTracker {
  private readonly index: ValueIndex;
  private readonly pending = new Map<number, PendingCall>();
  private readonly rules: CompiledRules;
  private readonly literals: Literals;
  /** Restricted values read since the last flush, for the client's later executions. */
  private unsaved: RememberedValue[] = [];
  /** LLM answers' text, lower-cased: a recipient picked out of one (a regex, JSON.parse) still came from it. */
  private readonly llmTexts: string[] = [];
  /** A call was refused by a rule: an uncaught SECURITY_VIOLATION ends the execution as security_violation. */
  violated = false;

  constructor(private readonly options: TrackerOptions) {
    this.rules = options.rules;
    this.literals = options.literals;
    this.index = new ValueIndex(options.rules.minMatch);
    const byOrigin = new Map<string, Label>();
    for (const item of options.remembered) {
      const key = `${item.origin}\u0000${item.readers.join('\u0000')}`;
      let label = byOrigin.get(key);
      if (!label) byOrigin.set(key, (label = { origin: item.origin, readers: new Set(item.readers), remembered: true }));
      this.index.add(item.value, label);
    }
  }

  /** Characters of values indexed: the memory this execution's provenance holds, roughly. */
  get indexedChars(): number {
    return this.index.indexedChars;
  }

  /** A call the code made, whose answer will be labelled by where it came from. */
  noteCall(id: number, op: string, name: string, args: unknown): void {
    if (op === 'api' || op === 'tool' || op.startsWith('llm.')) this.pending.set(id, { op, name, args });
  }

  /** The answer to a call entered the sandbox: its values now carry the call's origin. */
  observe(id: number, value: unknown): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    if (call.op !== 'api') {
      if (call.op !== 'tool') walkLeaves(value, (leaf) => void (typeof leaf === 'string' && this.llmTexts.push(leaf.toLowerCase())), 0, false);
      return this.index.add(value, { origin: call.op === 'tool' ? 'client-tool' : 'llm' });
    }
    const source = this.rules.sourceOf(call.name);
    if (!source) return this.index.add(value, { origin: `tool:${call.name}` });
    const readers = new Set(fieldValues(call.args, source.readers));
    const label: Label = { origin: `tool:${call.name}`, readers };
    // a value the program itself wrote is not data it read (it may be a reader's name given as input)
    this.index.add(value, label, (leaf) => this.literals.has(leaf));
    this.rememberRestricted(value, label);
    if (this.rules.auditAccess) {
      this.options.audit?.policy(this.options.subject, { event: 'sensitive_access', function: call.name, readers: [...readers] });
    }
  }

  /** What the rules say of a call to `fn` with this input; undefined when it may run as it is. */
  check(fn: string, input: unknown, readOnly: boolean): Decision | undefined {
    const found: { action: Action; rule: string; message: string; origins: string[] }[] = [];
    for (const rule of this.rules.exfiltration) if (rule.applies(fn, readOnly)) this.checkExfiltration(rule, fn, input, found);
    for (const rule of this.rules.userOrigin) if (rule.applies(fn, readOnly)) this.checkOrigins(rule, fn, input, found, false);
    for (const rule of this.rules.llmRecipients) if (rule.applies(fn, readOnly)) this.checkOrigins(rule, fn, input, found, true);
    if (found.length === 0) return undefined;
    const action = found.reduce<Action>((strongest, item) => (STRENGTH[item.action] > STRENGTH[strongest] ? item.action : strongest), 'log');
    const decision: Decision = {
      action,
      rules: [...new Set(found.map((item) => item.rule))],
      message: found.map((item) => item.message).join('; '),
      origins: [...new Set(found.flatMap((item) => item.origins))],
    };
    if (action === 'block') this.violated = true;
    for (const rule of decision.rules) this.options.metrics?.policyViolation(rule, found.find((item) => item.rule === rule)!.action);
    this.options.audit?.policy(this.options.subject, {
      event: 'violation', function: fn, rules: decision.rules, action, decision: action === 'block' ? 'blocked' : action === 'approve' ? 'approval requested' : 'allowed, logged', origins: decision.origins, message: decision.message,
    });
    return decision;
  }

  /** A person's answer to a call a rule sent for approval. */
  decided(fn: string, approved: boolean): void {
    this.options.audit?.policy(this.options.subject, { event: 'approval', function: fn, approved });
  }

  private checkExfiltration(rule: ExfiltrationRule, fn: string, input: unknown, found: { action: Action; rule: string; message: string; origins: string[] }[]): void {
    const recipients = fieldValues(input, rule.recipientFields);
    // a source the recipients may have: not restricted, or restricted to readers among whom every recipient is
    const allowed = (label: Label) => !label.readers || (recipients.length > 0 && recipients.every((recipient) => label.readers!.has(recipient)));
    const offending = new Map<string, string[]>(); // origin -> recipients who may not read it
    forEachLeaf(input, rule.recipientFields, false, (leaf) => {
      const literal = this.literals.has(leaf);
      const matches = this.index.find(leaf);
      const covered = { fragment: spansOf(matches, 'fragment', allowed), reversed: spansOf(matches, 'reversed', allowed) };
      for (const match of matches) {
        const { label, how } = match;
        if (allowed(label) || (literal && !label.remembered)) continue;
        // a small number or a short code equal to one in the data (a count of 2, 'EUR') says nothing about it
        if (how === 'equal' && !informative(leaf)) continue;
        // the same value, or the same run of text, also came from a source the recipients may have
        if (match.siblings.some(allowed)) continue;
        if ((how === 'fragment' || how === 'reversed') && match.spans?.every((span) => longestUncovered(span, covered[how]) < this.rules.minMatch)) continue;
        const outsiders = recipients.filter((recipient) => !label.readers!.has(recipient));
        const origin = describe(label);
        offending.set(origin, [...new Set([...(offending.get(origin) ?? []), ...outsiders])]);
      }
    });
    for (const [origin, outsiders] of offending) {
      const to = outsiders.length > 0
        ? `to ${outsiders.slice(0, 5).join(', ')}, not ${outsiders.length === 1 ? 'one' : 'among the'} of its readers`
        : `to an unknown recipient (its input names none in ${rule.recipientFields.join(', ')})`;
      found.push({ action: rule.action, rule: 'preventDataExfiltration', origins: [origin], message: `preventDataExfiltration: api.${fn} would send data read from ${origin} ${to}` });
    }
  }

  /** requireUserOrigin (every value of the input) or blockLLMRecipients (recipient values, LLM answers only). */
  private checkOrigins(rule: OriginRule, fn: string, input: unknown, found: { action: Action; rule: string; message: string; origins: string[] }[], recipientsOnly: boolean): void {
    const bad = new Map<string, Set<string>>(); // field path -> origins
    forEachLeaf(input, recipientsOnly ? rule.recipientFields : [], recipientsOnly, (leaf, path) => {
      if (this.literals.has(leaf)) return;
      const matches: Match[] = this.index.find(leaf).filter(({ label }) => !recipientsOnly || label.origin === 'llm');
      // a recipient picked out of an LLM answer (by a regex, from its JSON) is held in one
      const pickedOut = recipientsOnly && matches.length === 0 && this.inLlmAnswer(String(leaf));
      if (matches.length === 0 && !pickedOut) return;
      let origins = bad.get(path);
      if (!origins) bad.set(path, (origins = new Set()));
      for (const { label } of matches) origins.add(describe(label));
      if (pickedOut) origins.add('an LLM answer');
    });
    if (bad.size === 0) return;
    const origins = [...new Set([...bad.values()].flatMap((set) => [...set]))];
    const fields = [...bad.keys()].slice(0, 5).map((path) => `"${path}"`).join(', ');
    const message = recipientsOnly
      ? `blockLLMRecipients: the recipient ${fields} of api.${fn} comes from an LLM answer; take recipients from the program or the client`
      : `requireUserOrigin: the input of api.${fn} must come from the program's own values or the client, but ${fields} comes from ${origins.join(', ')}`;
    found.push({ action: rule.action, rule: recipientsOnly ? 'blockLLMRecipients' : 'requireUserOrigin', origins, message });
  }

  /** Whether a recipient (4 characters or more) appears as whole words in an LLM answer. */
  private inLlmAnswer(recipient: string): boolean {
    const needle = recipient.trim().toLowerCase();
    if (needle.length < 4) return false;
    return this.llmTexts.some((text) => containsWords(text, needle));
  }

  private rememberRestricted(value: unknown, label: Label): void {
    const items: RememberedValue[] = [];
    const readers = [...label.readers!];
    const seen = new Set<string | number>();
    walkLeaves(value, (leaf) => {
      if (seen.has(leaf) || this.literals.has(leaf)) return;
      seen.add(leaf);
      if (!distinctive(leaf)) return;
      items.push({ value: typeof leaf === 'string' && leaf.length > MAX_REMEMBERED_CHARS ? leaf.slice(0, MAX_REMEMBERED_CHARS) : leaf, origin: label.origin, readers });
    }, 0, false); // field names are not data
    for (const item of items) this.unsaved.push(item);
  }

  /**
   * Hands the restricted values read since the last flush to the store, in one write: at a pause and at the end
   * (one write per read would keep the event loop busy serialising the client's list).
   */
  flush(): void {
    if (this.unsaved.length === 0) return;
    const items = this.unsaved;
    this.unsaved = [];
    this.options.remember(items);
  }
}

/** Whether a value equal to restricted data tells of it: numbers of 4 digits or more, strings of 4 characters or more. */
function informative(leaf: string | number): boolean {
  return typeof leaf === 'number' ? String(Math.abs(leaf)).replace(/\D/g, '').length >= 4 : leaf.trim().length >= 4;
}

/** The runs that matches of labels `allowed` accepts share with the value, for one kind of match. */
function spansOf(matches: readonly Match[], how: 'fragment' | 'reversed', allowed: (label: Label) => boolean): (readonly [number, number])[] {
  return matches.filter((match) => match.how === how && allowed(match.label)).flatMap((match) => match.spans ?? []);
}

/** The longest part of `span` that none of `covers` overlaps. */
function longestUncovered(span: readonly [number, number], covers: readonly (readonly [number, number])[]): number {
  const overlapping = covers.filter(([start, end]) => start < span[1] && end > span[0]).sort((a, b) => a[0] - b[0]);
  let longest = 0;
  let at = span[0];
  for (const [start, end] of overlapping) {
    if (start > at) longest = Math.max(longest, start - at);
    at = Math.max(at, end);
    if (at >= span[1]) break;
  }
  return Math.max(longest, span[1] - at);
}

/** Whether `needle` appears in `text` with no letter or digit right before or after it. */
function containsWords(text: string, needle: string): boolean {
  const word = /[\p{L}\p{N}]/u;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if ((at === 0 || !word.test(text[at - 1])) && (at + needle.length === text.length || !word.test(text[at + needle.length]))) return true;
  }
  return false;
}

/** Whether a restricted value is worth remembering across executions (see MIN_REMEMBERED_WORD). */
function distinctive(leaf: string | number): boolean {
  if (typeof leaf === 'number') return String(Math.abs(leaf)).replace(/\D/g, '').length >= MIN_REMEMBERED_DIGITS;
  const text = leaf.trim();
  return text.length >= MIN_REMEMBERED_WORD || (text.length >= 4 && /[\d@]/.test(text));
}

/** How a label is named in messages and audit events. */
function describe(label: Label): string {
  const what = label.origin.startsWith('tool:') ? `api.${label.origin.slice(5)}` : label.origin === 'llm' ? 'an LLM answer' : "a client tool's answer";
  return label.remembered ? `${what} (read in an earlier execution)` : what;
}

/**
 * The leaves of an input with their paths: all of them, or with `only` true just those under a field of
 * `fields` (recipients); with `only` false, those under `fields` are left out when `fields` is not empty.
 */
function forEachLeaf(value: unknown, fields: readonly string[], only: boolean, visit: (leaf: string | number, path: string) => void): void {
  const wanted = new Set(fields.map((field) => field.toLowerCase()));
  const walk = (item: unknown, path: string, inside: boolean, depth: number): void => {
    if (depth > 64) return;
    if (typeof item === 'string' || typeof item === 'number') {
      if (item === '' || inside !== only) return;
      return visit(item, path || 'input');
    }
    if (typeof item !== 'object' || item === null) return;
    if (Array.isArray(item)) {
      item.forEach((child, i) => walk(child, `${path}[${i}]`, inside, depth + 1));
      return;
    }
    for (const [key, child] of Object.entries(item)) {
      const under = inside || wanted.has(key.toLowerCase());
      if (!only && !under && key !== '') visit(key, path || 'input'); // keys are data too
      walk(child, path ? `${path}.${key}` : key, under, depth + 1);
    }
  };
  walk(value, '', false, 0);
}

/**
 * The values of the named fields, at any depth, lower-cased: e-mail addresses found in a value, else the
 * value itself; lists and comma-separated lists give one each.
 */
export function fieldValues(input: unknown, fields: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (value: string) => {
    const emails = value.match(/[^\s<>,;"']+@[^\s<>,;"']+/g);
    if (emails) for (const email of emails) out.add(email.toLowerCase());
    else for (const part of value.split(/[,;]/)) if (part.trim()) out.add(part.trim().toLowerCase());
  };
  forEachLeaf(input, fields, true, (leaf) => add(String(leaf)));
  return [...out];
}
