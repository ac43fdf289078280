import { stopSharedServers } from './shared-servers.ts';

/** Jest globalTeardown: runs after every test file of the run; later calls find nothing left to stop. */
export default async function globalTeardown(): Promise<void> {
  await stopSharedServers();
}
