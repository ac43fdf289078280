// Issue 15 item 5: OAuth bound to the user who started it. The callback is public and verified only by its state, so
// it connects nobody: it keeps the grant aside and hands the browser's app a one-time code that only the starter's
// bearer (here: the user id the gateway passes) can redeem. Google also binds the code to a PKCE verifier.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Code } from '@connectrpc/connect';
import { sql } from 'kysely';
import { Provider } from '@omtobe/proto/integrations/v1';
import { refusal } from '@omtobe/testing';
import { knownUser, redemptionCode } from '../../../test/flows.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { secretHash } from '../../domain/oauth-state.ts';
import { purgeExpired } from '../../work/maintenance.ts';

const now0 = new Date('2026-06-10T12:00:00Z');
const minute = 60_000;

describe('OAuth bound to its user', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ start: now0, env: { MOCK_PROVIDERS: 'false', OAUTH_APP_REDIRECT_URL: 'omtobe://oauth' } });
    for (const userId of ['attacker', 'victim', 'alice', 'bob']) await knownUser(h, userId);
  });
  afterAll(async () => {
    await h?.close();
  });

  const grantsCount = async () => (await sql<{ n: number }>`select count(*)::int as n from oauth_grants`.execute(h.deps.db)).rows[0]!.n;
  const connectionsOf = async (userId: string) => (await h.client.listConnections({ userId })).connections;

  it('Google: the URL carries an S256 challenge, the exchange sends its verifier, the callback redirects to the app and connects nothing until the starter redeems', async () => {
    const url = new URL((await h.client.startConnection({ userId: 'alice', provider: Provider.GOOGLE_CALENDAR })).authorizationUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier is not stored in the clear.
    const stored = await sql<{ v: Buffer }>`select code_verifier as v from oauth_states where user_id = 'alice'`.execute(h.deps.db);
    expect(stored.rows[0]!.v.toString('latin1')).not.toMatch(/^[A-Za-z0-9_-]{43}$/);

    const done = await h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code: h.google.issueCode(url), state: url.searchParams.get('state')!, error: '' });
    const redirect = new URL(done.appRedirectUrl);
    expect(`${redirect.protocol}//${redirect.host}`).toBe('omtobe://oauth');
    expect(redirect.searchParams.get('provider')).toBe('google-calendar');
    const code = redemptionCode(done);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(done.redeemBy).toBeDefined();
    // The fake token endpoint checked the verifier against the challenge (it refuses a code exchanged without it).
    const exchange = h.google.requestsTo('/token').at(-1)!;
    expect(new URLSearchParams(exchange.body).get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored hashed; nothing connected yet.
    const hashes = await sql<{ code_hash: string }>`select code_hash from oauth_grants where user_id = 'alice'`.execute(h.deps.db);
    expect(hashes.rows).toEqual([{ code_hash: secretHash(code) }]);
    expect(await connectionsOf('alice')).toEqual([]);

    const redeemed = await h.client.redeemConnection({ userId: 'alice', provider: Provider.GOOGLE_CALENDAR, code });
    expect(redeemed.connectedAt).toBeDefined();
    expect((await connectionsOf('alice')).map((c) => c.provider)).toEqual([Provider.GOOGLE_CALENDAR]);
    // Single use.
    expect(await refusal(h.client.redeemConnection({ userId: 'alice', provider: Provider.GOOGLE_CALENDAR, code }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_code' });
    // The connection works: the first sync reads the calendar with the exchanged tokens.
    expect(await h.runSyncs()).toBeGreaterThan(0);
  });

  it('the attack fails: the attacker starts, the victim consents, the grant lands in no account and is revoked', async () => {
    const revokedBefore = h.whoop.revoked.length;
    // The attacker starts a WHOOP connect and sends the victim the authorization URL.
    const url = new URL((await h.client.startConnection({ userId: 'attacker', provider: Provider.WHOOP })).authorizationUrl);
    // The victim consents at WHOOP with their account (WHOOP user 555); WHOOP calls back in the victim's browser.
    const done = await h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('555'), state: url.searchParams.get('state')!, error: '' });
    expect(await connectionsOf('attacker')).toEqual([]);
    expect(await connectionsOf('victim')).toEqual([]);
    // The redirect opens the victim's app, which redeems with the victim's bearer: refused, and the code is burnt.
    const code = redemptionCode(done);
    expect(await refusal(h.client.redeemConnection({ userId: 'victim', provider: Provider.WHOOP, code }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_code' });
    expect(await grantsCount()).toBe(0);
    // Even the attacker, should they get hold of the code, finds nothing left.
    expect(await refusal(h.client.redeemConnection({ userId: 'attacker', provider: Provider.WHOOP, code }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_code' });
    expect(await connectionsOf('attacker')).toEqual([]);
    expect(await connectionsOf('victim')).toEqual([]);
    // The victim's grant goes back to WHOOP.
    expect(await h.runRevocations()).toBe(1);
    expect(h.whoop.revoked.slice(revokedBefore)).toEqual(['555']);
    // WHOOP webhooks of the victim's account reach no one.
    const exported = await h.client.exportUserData({ userId: 'attacker' });
    expect(exported.hrvSamples).toEqual([]);
  });

  it('WHOOP stays state-only (no PKCE documented); a code for another provider, an expired code and a bare guess connect nothing', async () => {
    const url = new URL((await h.client.startConnection({ userId: 'bob', provider: Provider.WHOOP })).authorizationUrl);
    expect(url.searchParams.has('code_challenge')).toBe(false);
    const done = await h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('556'), state: url.searchParams.get('state')!, error: '' });
    // Presented for the wrong provider by the right user: burnt all the same.
    expect(await refusal(h.client.redeemConnection({ userId: 'bob', provider: Provider.GOOGLE_CALENDAR, code: redemptionCode(done) }))).toEqual({
      code: Code.PermissionDenied,
      reason: 'invalid_code',
    });
    expect(await refusal(h.client.redeemConnection({ userId: 'bob', provider: Provider.WHOOP, code: redemptionCode(done) }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_code' });

    const again = new URL((await h.client.startConnection({ userId: 'bob', provider: Provider.WHOOP })).authorizationUrl);
    const late = await h.client.completeConnection({ provider: Provider.WHOOP, code: h.whoop.issueCode('556'), state: again.searchParams.get('state')!, error: '' });
    h.clock.advance(5 * minute + 1);
    expect(await refusal(h.client.redeemConnection({ userId: 'bob', provider: Provider.WHOOP, code: redemptionCode(late) }))).toEqual({ code: Code.FailedPrecondition, reason: 'code_expired' });
    expect(await refusal(h.client.redeemConnection({ userId: 'bob', provider: Provider.WHOOP, code: 'guess' }))).toEqual({ code: Code.PermissionDenied, reason: 'invalid_code' });
    expect(await connectionsOf('bob')).toEqual([]);
    expect(await grantsCount()).toBe(0);
  });

  it('an unredeemed grant is revoked once it expires (maintenance)', async () => {
    const url = new URL((await h.client.startConnection({ userId: 'bob', provider: Provider.GOOGLE_CALENDAR })).authorizationUrl);
    await h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code: h.google.issueCode(url), state: url.searchParams.get('state')!, error: '' });
    expect(await grantsCount()).toBe(1);
    h.clock.advance(5 * minute + 1);
    expect((await purgeExpired(h.deps)).oauth_grants).toBe(1);
    expect(await grantsCount()).toBe(0);
    const queued = await sql<{ provider: string }>`select provider from revocations`.execute(h.deps.db);
    expect(queued.rows.map((r) => r.provider)).toContain('google_calendar');
  });

  it('Google refuses a code exchanged without the verifier of its challenge (the fake enforces PKCE)', async () => {
    const url = new URL((await h.client.startConnection({ userId: 'bob', provider: Provider.GOOGLE_CALENDAR })).authorizationUrl);
    const code = h.google.issueCode(url);
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, client_id: h.google.clientId, client_secret: h.google.clientSecret, code_verifier: 'x'.repeat(43) });
    const response = await fetch(`${h.google.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(response.status).toBe(400);
    // The code is spent: the real callback with it now fails too, and connects nothing.
    expect(await refusal(h.client.completeConnection({ provider: Provider.GOOGLE_CALENDAR, code, state: url.searchParams.get('state')!, error: '' }))).toEqual({
      code: Code.FailedPrecondition,
      reason: 'code_rejected',
    });
  });
});
