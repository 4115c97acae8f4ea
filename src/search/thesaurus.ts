// A small thesaurus of how people name the things and acts of web APIs, written by hand from general
// knowledge of software, commerce and messaging products (not from any catalog's operations): people ask
// for a "ticket", a "basket" or a "text", catalogs say issue, cart and message. WordNet knows English,
// not these product words. A match through here counts below the word asked for (weights 0.5-0.8), and
// a catalog that uses the asked word itself still ranks its own word first.

import { stem } from './tokenize.js';

/**
 * Words (or phrases, as spaces) that name one concept, and what a match on a sibling counts. Groups are
 * symmetric: "cart" also finds basket, should a catalog say basket.
 */
const CONCEPTS: { words: string[]; weight: number }[] = [
  // code hosting and development
  { words: ['repository', 'repo', 'project', 'codebase'], weight: 0.6 },
  { words: ['issue', 'ticket', 'bug'], weight: 0.7 },
  { words: ['commit', 'revision', 'changeset', 'sha'], weight: 0.6 },
  { words: ['release', 'version'], weight: 0.6 },
  { words: ['webhook', 'hook', 'callback'], weight: 0.7 },
  { words: ['star', 'stargazer'], weight: 0.8 },
  { words: ['follow', 'follower'], weight: 0.8 },
  { words: ['workflow', 'pipeline', 'ci'], weight: 0.6 },
  { words: ['dependency', 'package', 'library'], weight: 0.5 },
  { words: ['vulnerability', 'advisory', 'cve'], weight: 0.6 },
  { words: ['fork', 'clone', 'copy', 'duplicate'], weight: 0.5 },
  { words: ['collaborator', 'contributor', 'member'], weight: 0.5 },
  { words: ['changelog', 'release notes', 'change log'], weight: 0.7 },
  { words: ['snippet', 'gist', 'paste'], weight: 0.6 },
  // people and accounts
  { words: ['user', 'person', 'people', 'account'], weight: 0.5 },
  { words: ['organization', 'company', 'business', 'enterprise'], weight: 0.6 },
  { words: ['employee', 'colleague', 'coworker', 'staff'], weight: 0.6 },
  { words: ['subaccount', 'sub account', 'child account'], weight: 0.8 },
  { words: ['login', 'log in', 'sign in', 'signin', 'authenticate'], weight: 0.8 },
  { words: ['logout', 'log out', 'sign out', 'signout', 'log off'], weight: 0.8 },
  { words: ['signup', 'sign up', 'register', 'registration'], weight: 0.8 },
  { words: ['password', 'passphrase', 'passcode'], weight: 0.7 },
  { words: ['secret', 'credential'], weight: 0.5 },
  { words: ['permission', 'access', 'role', 'privilege'], weight: 0.5 },
  { words: ['block', 'ban', 'blocklist', 'blacklist'], weight: 0.8 },
  { words: ['profile', 'account details'], weight: 0.6 },
  // commerce
  { words: ['cart', 'basket', 'bag', 'trolley'], weight: 0.8 },
  { words: ['product', 'article', 'goods', 'merchandise'], weight: 0.6 },
  { words: ['order', 'purchase', 'checkout'], weight: 0.6 },
  { words: ['customer', 'shopper', 'buyer', 'client'], weight: 0.6 },
  { words: ['wishlist', 'wish list', 'favourite', 'favorite', 'favourites', 'favorites'], weight: 0.7 },
  { words: ['coupon', 'voucher', 'promotion', 'promo', 'discount code', 'promo code'], weight: 0.7 },
  { words: ['invoice', 'bill', 'receipt'], weight: 0.6 },
  { words: ['shipping', 'delivery', 'shipment'], weight: 0.6 },
  { words: ['refund', 'reimburse', 'chargeback'], weight: 0.6 },
  { words: ['spend', 'spending', 'billing', 'cost', 'usage'], weight: 0.5 },
  { words: ['review', 'rating', 'rate'], weight: 0.5 },
  { words: ['newsletter', 'mailing list'], weight: 0.7 },
  { words: ['quote', 'quotation', 'offer', 'estimate'], weight: 0.6 },
  { words: ['cross selling', 'crossselling', 'related products', 'recommendation', 'upsell'], weight: 0.6 },
  // messaging and voice
  { words: ['message', 'text', 'sms', 'mms', 'text message'], weight: 0.6 },
  { words: ['image', 'photo', 'picture', 'media', 'attachment'], weight: 0.6 },
  { words: ['recording', 'voicemail', 'audio'], weight: 0.6 },
  { words: ['phone', 'cell', 'mobile', 'telephone', 'phone number'], weight: 0.6 },
  { words: ['conference', 'meeting', 'conference call'], weight: 0.6 },
  { words: ['queue', 'on hold'], weight: 0.6 },
  { words: ['participant', 'attendee'], weight: 0.6 },
  { words: ['comment', 'reply', 'remark'], weight: 0.6 },
  { words: ['reaction', 'react', 'emoji', 'thumbs up', 'upvote'], weight: 0.7 },
  { words: ['notification', 'alert', 'warning'], weight: 0.6 },
  // acts
  { words: ['revoke', 'invalidate', 'rescind'], weight: 0.7 },
  { words: ['approve', 'accept', 'confirm'], weight: 0.5 },
  { words: ['reject', 'decline', 'deny'], weight: 0.6 },
  { words: ['export', 'download'], weight: 0.5 },
  { words: ['import', 'upload'], weight: 0.5 },
  { words: ['move', 'transfer'], weight: 0.7 },
  { words: ['history', 'log', 'audit', 'timeline'], weight: 0.5 },
  { words: ['quota', 'limit', 'rate limit'], weight: 0.6 },
  { words: ['language', 'locale'], weight: 0.7 },
  { words: ['latest', 'newest', 'most recent'], weight: 0.8 },
  { words: ['topic', 'keyword'], weight: 0.6 },
  { words: ['property', 'attribute', 'metadata', 'custom field'], weight: 0.5 },
];

/**
 * One-way: a phrase whose sibling is a word of a longer name ("merge request" is a pull request, said by
 * GitLab's users; the catalog's word for it is "pull"), or a word that implies an act. A symmetric group
 * cannot say this: "pull request" would then find merges, "get" would find every "info".
 */
const PHRASE_HINTS: { from: string; to: string[]; weight: number }[] = [
  { from: 'merge request', to: ['pull'], weight: 0.8 },
  { from: 'mr', to: ['pull'], weight: 0.6 },
  // "repo info", "order details": the details of a thing are what its get answers
  { from: 'info', to: ['get'], weight: 0.5 },
  { from: 'details', to: ['get'], weight: 0.5 },
  // "fix a typo in my comment": fixing what one wrote is editing it
  { from: 'fix', to: ['update', 'edit'], weight: 0.5 },
  { from: 'correct', to: ['update', 'edit'], weight: 0.5 },
];

/** Stem -> stem -> weight, for single words; phrase -> stem -> weight, for phrases (stems joined by spaces). */
const WORDS = new Map<string, Map<string, number>>();
const PHRASES = new Map<string, Map<string, number>>();

/** A phrase is matched by its words' stems, a sibling phrase by the catalog's compound of them ("sign up" -> signup). */
function key(text: string): string {
  return text.split(' ').map(stem).join(' ');
}

for (const { words, weight } of CONCEPTS) {
  for (const from of words) {
    const table = from.includes(' ') ? PHRASES : WORDS;
    const row = table.get(key(from)) ?? new Map<string, number>();
    for (const to of words) {
      if (to === from) continue;
      // a sibling phrase is found as the compound a catalog writes ("log out" -> logout) and by its head word
      for (const target of to.includes(' ') ? [stem(to.replace(/ /g, ''))] : [stem(to)]) {
        if (target !== key(from)) row.set(target, Math.max(row.get(target) ?? 0, weight));
      }
    }
    table.set(key(from), row);
  }
}
for (const { from, to, weight } of PHRASE_HINTS) {
  const table = from.includes(' ') ? PHRASES : WORDS;
  const row = table.get(key(from)) ?? new Map<string, number>();
  for (const target of to) row.set(stem(target), Math.max(row.get(stem(target)) ?? 0, weight));
  table.set(key(from), row);
}

/** Stems a stem's concept siblings match, with the weight of each (the stem itself not included). */
export function conceptSiblings(term: string): ReadonlyMap<string, number> {
  return WORDS.get(term) ?? EMPTY;
}

/** The concept siblings of a phrase given as its words' stems ("log out" -> logout, signout), if it is one. */
export function phraseSiblings(stems: readonly string[]): ReadonlyMap<string, number> | undefined {
  return PHRASES.get(stems.join(' '));
}

const EMPTY: ReadonlyMap<string, number> = new Map();
