import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { defaultHighStakesKeywords, isHighStakes } from './high-stakes.ts';

const KEYWORDS = defaultHighStakesKeywords;

describe('isHighStakes', () => {
  it.each([
    ['Board Meeting', true],
    ['board review', true],
    ['Q3 NEGOTIATION', true],
    ['High-Stakes call', true],
    ['high-stakes call', true],
    ['Quarterly Review', true],
    ['Review: hiring plan', true],
    ['(Board) offsite', true],
    ['Pre-Board sync', true], // '-' separates words; only letters and digits glue
    ['Board-level planning', true],
    ['Very-High-Stakes pitch', true],
    ['Salary negotiation.', true],
    ['  ! dentist', true], // the user's own mark, after trimming
    ['!', true],
    ['Boardwalk stroll', false],
    ['Reviewer sync', false],
    ['Peer-reviewed paper club', false],
    ['Onboarding', false],
    ['Boards', false], // a whole word means the keyword, not its plural
    ['Board2 planning', false], // digits glue too
    ['High Stakes poker', false], // the keyword is "High-Stakes", one unit
    ['Stakes are high', false],
    ['Lunch', false],
    ['Dentist!', false], // '!' counts only at the start
    ['', false],
    ['   ', false],
    ['Boardroom renovation', false],
    ['Überboard', false], // non-ASCII letters glue as well
    ['Revue', false],
  ])('%j → %s', (title, expected) => {
    expect(isHighStakes(title, KEYWORDS)).toBe(expected);
  });

  it('uses the configured list, not the defaults', () => {
    expect(isHighStakes('Board Meeting', ['Pitch'])).toBe(false);
    expect(isHighStakes('Investor pitch', ['Pitch'])).toBe(true);
    expect(isHighStakes('Board Meeting', [])).toBe(false);
    expect(isHighStakes('!Board Meeting', [])).toBe(true);
    expect(isHighStakes('Board Meeting', ['  ', 'board '])).toBe(true); // keywords are trimmed, blanks ignored
  });

  it('treats regular-expression characters in keywords literally', () => {
    expect(isHighStakes('C++ review', ['C++'])).toBe(true);
    expect(isHighStakes('CCC review', ['C++'])).toBe(false);
    expect(isHighStakes('M&A (phase 2)', ['M&A'])).toBe(true);
    expect(isHighStakes('Q1.5 plan', ['Q1.5'])).toBe(true);
    expect(isHighStakes('Q175 plan', ['Q1.5'])).toBe(false);
  });

  const word = fc.stringMatching(/^[a-z]{1,10}$/).filter((w) => !['board', 'negotiation', 'review'].includes(w));
  const separator = fc.constantFrom(' ', ', ', ' - ', ': ', ' (', ') ', ' / ', '\t');
  const casing = fc.constantFrom((s: string) => s, (s: string) => s.toUpperCase(), (s: string) => s.toLowerCase());

  it('finds any keyword, in any case, as a whole word anywhere in a title', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 4 }), fc.array(word, { maxLength: 4 }), fc.constantFrom(...KEYWORDS), casing, separator, (before, after, keyword, caseOf, sep) => {
        const title = [...before, caseOf(keyword), ...after].join(sep);
        expect(isHighStakes(title, KEYWORDS)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores keywords glued to letters or digits, and titles without keywords', () => {
    const glue = fc.stringMatching(/^[a-z0-9]{1,4}$/);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 4 }), fc.constantFrom(...KEYWORDS), glue, fc.boolean(), separator, (others, keyword, g, gluedBefore, sep) => {
        const glued = gluedBefore ? `${g}${keyword}` : `${keyword}${g}`;
        expect(isHighStakes([...others, glued].join(sep), KEYWORDS)).toBe(false);
        expect(isHighStakes(others.join(sep), KEYWORDS)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
