import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthRegistry } from '@omtobe/platform';
import { createRestApp } from '../src/rest/app.ts';
import type { RestOptions } from '../src/rest/options.ts';

/**
 * The REST app as main.ts builds it, served by its own request handler on a real socket (port 0): small limits and a
 * verifier that says every caller is alice, unless `options` says otherwise.
 */
export async function serveRestApp(options: Partial<RestOptions> & Pick<RestOptions, 'deps'>) {
  const rest = await createRestApp({
    health: new HealthRegistry('SERVING'),
    verify: async () => 'alice',
    bodyLimitBytes: 1024,
    checkPerMinute: 5,
    anonymousPerMinute: 100,
    rateLimitTrackedClients: 100,
    ...options,
  });
  const server = http.createServer(rest.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    rest,
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rest.app.close();
    },
  };
}
