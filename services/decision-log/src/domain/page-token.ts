import { InvalidArgumentError } from '@omtobe/platform';

/**
 * Keyset pagination over (time DESC, id DESC). A token names the last row of the page it ended, so the
 * next page is "strictly older than that row" — rows inserted meanwhile are newer than every cursor
 * already handed out, and no row that existed at the first page is skipped or repeated.
 *
 * Wire form: base64url (no padding) of `<version>.<kind>.<epoch ms>.<uuid>`, e.g. `1.d.1736150400000.<id>`.
 * Opaque to callers; the version lets the format change without misreading old tokens, the kind keeps a
 * decisions token out of the reflections list. Times are stored with millisecond precision
 * (timestamptz(3)), so the epoch millisecond is the row's exact time. The token is not a security
 * boundary — every page is also filtered by the caller's user id — so it carries no signature.
 */
export type PageKind = 'decisions' | 'reflections';

export interface PageCursor {
  /** The last row's time. */
  time: Date;
  /** The last row's id (a lower-case UUID). */
  id: string;
}

const VERSION = '1';
const kindCodes: Readonly<Record<PageKind, string>> = { decisions: 'd', reflections: 'r' };
const MAX_TOKEN_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PAYLOAD = /^(\d+)\.([a-z])\.(\d{1,15})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodePageToken(kind: PageKind, cursor: PageCursor): string {
  const ms = cursor.time.getTime();
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`cannot page from time ${cursor.time.toISOString()}`);
  return Buffer.from(`${VERSION}.${kindCodes[kind]}.${ms}.${cursor.id.toLowerCase()}`, 'utf8').toString('base64url');
}

/** The cursor a token stands for; `undefined` for the empty token (first page). */
export function decodePageToken(kind: PageKind, token: string): PageCursor | undefined {
  if (token === '') return undefined;
  if (token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) throw invalidToken();
  const payload = Buffer.from(token, 'base64url').toString('utf8');
  // Node's decoder skips what it cannot read; only the exact encoding of a well-formed payload is accepted.
  if (Buffer.from(payload, 'utf8').toString('base64url') !== token) throw invalidToken();
  const match = PAYLOAD.exec(payload);
  if (!match) throw invalidToken();
  const [, version, kindCode, ms, id] = match;
  if (version !== VERSION || kindCode !== kindCodes[kind]) throw invalidToken();
  const time = new Date(Number(ms));
  if (Number.isNaN(time.getTime())) throw invalidToken();
  return { time, id: id! };
}

function invalidToken(): InvalidArgumentError {
  return new InvalidArgumentError('page_token is not a token this list returned', { reason: 'invalid_page_token' });
}
