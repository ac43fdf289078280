// The integrations service's provider configuration pointed at the local fakes, as the gateway's public routes
// would name its callbacks and webhooks: one place for the in-process harness and the whole-stack tests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FakeGoogle } from './google-server.ts';
import type { FakeGraph } from './graph-server.ts';
import type { FakeWhoop } from './whoop-server.ts';

/** Where Google and Microsoft would call back and post (https addresses they accept; tests deliver themselves). */
export const publicBase = 'https://api.omtobe.test';

/**
 * WHOOP_*, GOOGLE_* and MICROSOFT_* for the fakes. MICROSOFT_CA_FILE is a path, as in a deployment: the fake's CA goes
 * to a file of the run, which `remove()` deletes.
 */
export async function fakeProviderEnv(fakes: { whoop: FakeWhoop; google: FakeGoogle; graph: FakeGraph }): Promise<{ env: Record<string, string>; remove(): Promise<void> }> {
  const { whoop, google, graph } = fakes;
  const caDir = await mkdtemp(path.join(tmpdir(), 'graph-ca-'));
  const caFile = path.join(caDir, 'ca.pem');
  await writeFile(caFile, graph.caPem);
  const env = {
    WHOOP_CLIENT_ID: whoop.clientId,
    WHOOP_CLIENT_SECRET: whoop.clientSecret,
    WHOOP_REDIRECT_URI: `${publicBase}/api/v1/providers/whoop/callback`,
    WHOOP_BASE_URL: whoop.url,
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_REDIRECT_URI: `${publicBase}/api/v1/providers/google-calendar/callback`,
    GOOGLE_API_ROOT_URL: `${google.url}/`,
    GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
    GOOGLE_TOKEN_URL: `${google.url}/token`,
    GOOGLE_REVOKE_URL: `${google.url}/revoke`,
    GOOGLE_WEBHOOK_URL: `${publicBase}/api/v1/webhooks/google-calendar`,
    MICROSOFT_CLIENT_ID: graph.clientId,
    MICROSOFT_CLIENT_SECRET: graph.clientSecret,
    MICROSOFT_REDIRECT_URI: `${publicBase}/api/v1/providers/microsoft/callback`,
    MICROSOFT_AUTHORITY: graph.authority,
    MICROSOFT_KNOWN_AUTHORITIES: graph.authorityHost,
    MICROSOFT_GRAPH_BASE_URL: graph.url,
    MICROSOFT_CA_FILE: caFile,
    MICROSOFT_WEBHOOK_URL: `${publicBase}/api/v1/webhooks/microsoft`,
  };
  return { env, remove: () => rm(caDir, { recursive: true, force: true }) };
}
