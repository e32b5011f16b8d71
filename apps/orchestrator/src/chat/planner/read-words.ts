import { conceptOf, PHRASES } from './lexicon.js';

/** One word of a message with the concept it stands for (the word itself when it stands for none). */
export interface Token {
  word: string;
  concept: string;
  /** One of the owner's services. */
  isService: boolean;
}

/** Words between the two halves of a phrase ("roll *node-hello* back", "take *it* down"). */
const PHRASE_GAP = 3;

/** Reads words into concepts: phrases first (with a short gap allowed), then each word, near misses corrected. */
export function readWords(words: readonly string[], services: ReadonlySet<string>): Token[] {
  const phraseAt = new Map<number, string>();
  const consumed = new Set<number>();
  for (const [[first, second], concept] of PHRASES) {
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== first || consumed.has(i)) continue;
      for (let j = i + 1; j <= Math.min(words.length - 1, i + PHRASE_GAP); j++) {
        if (words[j] === second && !consumed.has(j)) {
          phraseAt.set(i, concept!);
          consumed.add(i);
          consumed.add(j);
          break;
        }
      }
    }
  }
  const tokens: Token[] = [];
  words.forEach((word, i) => {
    const phrase = phraseAt.get(i);
    if (phrase) tokens.push({ word, concept: phrase, isService: false });
    else if (!consumed.has(i)) tokens.push({ word, concept: conceptOf(word, services), isService: services.has(word) });
  });
  return tokens;
}

/** Concepts present, minus those negated by a "not" / "don't" / "never" just before them. */
export function conceptsOf(tokens: readonly Token[]): { present: Set<string>; negated: Set<string> } {
  const present = new Set<string>();
  const negated = new Set<string>();
  tokens.forEach((token, i) => {
    const before = tokens.slice(Math.max(0, i - 2), i).map((t) => t.concept);
    if (before.includes('not') && !['not', 'no'].includes(token.concept)) negated.add(token.concept);
    else present.add(token.concept);
  });
  return { present, negated };
}
