// The development console is development mode's alone: without the development token issuer (production) its
// files are not served at all, and with it they are static files outside the OpenAPI document. The console in a
// real browser against the whole stack is e2e/src/console.int.spec.ts.
import { describe, expect, it } from '@jest/globals';
import { inMemoryDeps } from '../../test/in-memory-deps.ts';
import { serveRestApp } from '../../test/serve-rest.ts';
import type { DevTokenIssuer } from '../auth/dev-issuer.ts';

describe('the console outside development mode', () => {
  /** The REST app as main.ts builds it, with or without the development token issuer: the statuses of GET `paths`, and its OpenAPI paths. */
  async function answersOf(paths: string[], devIssuer?: DevTokenIssuer): Promise<{ statuses: number[]; documented: string[] }> {
    const served = await serveRestApp({ deps: inMemoryDeps({}), ...(devIssuer ? { devIssuer } : {}) });
    try {
      const statuses = await Promise.all(paths.map(async (path) => (await fetch(served.url + path)).status));
      return { statuses, documented: Object.keys((served.rest.app.swagger() as { paths?: object }).paths ?? {}) };
    } finally {
      await served.close();
    }
  }

  it('is 404 without the development token issuer (production), and served with it, outside the OpenAPI document', async () => {
    const issuer = { mint: async () => ({ token: '', expiresAt: new Date() }), jwks: { keys: [] } } as unknown as DevTokenIssuer;
    const files = ['/console', '/console/', '/console/console.js', '/console/console.css', '/console/vendor/uPlot.esm.js', '/console/vendor/uPlot.min.css'];
    expect((await answersOf(files)).statuses).toEqual(files.map(() => 404));
    const development = await answersOf(files, issuer);
    expect(development.statuses).toEqual(files.map(() => 200));
    // Static files for a browser, not part of the API app teams generate clients from.
    expect(development.documented.filter((path) => path.startsWith('/console'))).toEqual([]);
    expect(development.documented).toContain('/api/v1/dev/token');
  });
});
