// Descriptions shortened to a budget: sentences are found without ending one at "e.g." or "approx.", and
// the sentences that state a constraint or an example outlast those that only advertise the tool.

// Words whose period does not end a sentence (lower case, without the period).
const ABBREVIATIONS = new Set([
  'e.g', 'eg', 'i.e', 'ie', 'etc', 'vs', 'cf', 'viz', 'approx', 'incl', 'esp', 'resp', 'ca', 'al', 'fig', 'min', 'max',
  'avg', 'dept', 'mr', 'mrs', 'ms', 'dr', 'prof', 'jr', 'sr', 'inc', 'ltd', 'corp',
]);

// A sentence an agent needs even when the budget is tight: a limit, a condition, a default, an example.
const STATES_CONSTRAINT = new RegExp([
  /\b(?:only|must|never|not|cannot|can't|won't|don't|doesn't|no|without|unless|instead|deprecated|required?|requires)\b/.source,
  /\b(?:at (?:most|least)|up to|max(?:imum)?|min(?:imum)?|limit(?:s|ed)?|defaults?|allowed|fails?|overwrites?|caution)\b/.source,
  /\b(?:e\.g\.|i\.e\.|for example|such as|like)/.source,
  /`|'[^' ]+'|"[^"]+"|\d/.source,
].join('|'), 'i');
// Praise of the tool, or a pointer to documentation the agent cannot open: last, whatever else it contains.
const SAYS_LITTLE = /^(?:for more (?:information|details)|see |to learn more|learn more|read more|this tool is|use this (?:tool )?(?:when|to|if))|\b(?:great|perfect|ideal|useful|essential|helpful) for\b/i;

/** The sentences of a text, whitespace flattened; an abbreviation's period or one before a lower-case word ends none. */
export function sentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  const out: string[] = [];
  let start = 0;
  for (const match of flat.matchAll(/[.!?]+["')\]]*(?= |$)/g)) {
    const end = match.index + match[0].length;
    if (match[0][0] === '.' && !endsSentence(flat, match.index, end)) continue;
    out.push(flat.slice(start, end).trim());
    start = end;
  }
  const rest = flat.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

function endsSentence(text: string, period: number, end: number): boolean {
  const word = /[^\s(["']*$/.exec(text.slice(0, period))![0].toLowerCase();
  if (ABBREVIATIONS.has(word) || /^(?:[a-z]\.)+[a-z]$/.test(word) || /^[a-z]$/.test(word)) return false;
  return !/^ [a-z]/.test(text.slice(end, end + 2)); // "approx. ten" or "foo. bar" continue the sentence
}

/**
 * The text if it fits in `max` characters; else its first sentence, then the sentences stating a constraint or
 * an example, then the others, then praise and pointers to other documents, each while it fits, in their original order.
 * A first sentence longer than `max` is cut at a word and ends with "…".
 */
export function summarize(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const parts = sentences(flat);
  if (parts[0].length > max) return cutAtWord(parts[0], max);
  const rank = (sentence: string) => (SAYS_LITTLE.test(sentence) ? 2 : STATES_CONSTRAINT.test(sentence) ? 0 : 1);
  const order = parts.map((_, i) => i).slice(1).sort((a, b) => rank(parts[a]) - rank(parts[b]) || a - b);
  const chosen = new Set([0]);
  let length = parts[0].length;
  for (const i of order) {
    if (length + 1 + parts[i].length > max) continue;
    chosen.add(i);
    length += 1 + parts[i].length;
  }
  return parts.filter((_, i) => chosen.has(i)).join(' ');
}

function cutAtWord(text: string, max: number): string {
  const head = text.slice(0, max - 1);
  const space = head.lastIndexOf(' ');
  return (space > max / 2 ? head.slice(0, space) : head).trimEnd() + '…';
}
