// An address is at most 254 characters (RFC 5321's path limit less its brackets). The length is checked before
// the pattern: the pattern's bounded repetitions backtrack over long input, and a 100 KB "address" would hold the
// event loop for tens of milliseconds, growing with its length.
const maxLength = 254;
// Blanks around an address are forgiven (trimmed); more than this is no address either way.
const maxRawLength = 1_024;
const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;

/** The address as stored (trimmed), or undefined when it is not one. */
export function emailAddress(raw: string): string | undefined {
  if (raw.length > maxRawLength) return undefined;
  const email = raw.trim();
  if (email.length > maxLength || !emailPattern.test(email)) return undefined;
  return email;
}
