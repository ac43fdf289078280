/**
 * Which calendar events the brake may show for: a title with one of the configured keywords as a whole
 * word, in any case, or a title starting with `!` (the user's own "this one matters" mark).
 *
 * "Whole word" means the keyword is not glued to other letters or digits: "Board Meeting",
 * "Q3 NEGOTIATION", "Review:" and "Pre-Board sync" match Board/Negotiation/Review; "Boardwalk" and
 * "Reviewer sync" do not. Only letters, marks and digits (any script) glue; punctuation, spaces and '-'
 * separate, so a hyphenated compound such as "Board-level" still names a board. A keyword that itself
 * contains '-' ("High-Stakes") is matched as one literal unit, with the boundary rule at its two ends.
 */
/** The seed's keywords: the default of every service's HIGH_STAKES_KEYWORDS. */
export const defaultHighStakesKeywords: readonly string[] = Object.freeze(['Board', 'Negotiation', 'Review', 'High-Stakes']);

const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}]`;

const matcherCache = new WeakMap<readonly string[], RegExp | null>();

// Only syntax characters: with the 'u' flag, escaping anything else (such as '-') is a syntax error.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`);
}

/** One case-insensitive, Unicode-aware pattern for the whole list, built once per list. */
function matcherFor(keywords: readonly string[]): RegExp | null {
  const cached = matcherCache.get(keywords);
  if (cached !== undefined) return cached;
  const alternatives = keywords
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map(escapeRegExp);
  const matcher = alternatives.length === 0 ? null : new RegExp(`(?<!${WORD_CHAR})(?:${alternatives.join('|')})(?!${WORD_CHAR})`, 'iu');
  matcherCache.set(keywords, matcher);
  return matcher;
}

export function isHighStakes(title: string, keywords: readonly string[]): boolean {
  const trimmed = title.trim();
  if (trimmed.startsWith('!')) return true;
  return matcherFor(keywords)?.test(trimmed) ?? false;
}
