import { startSharedServers } from './shared-servers.ts';

/** Jest globalSetup (every project of the root config points here; only the first call starts anything). */
export default async function globalSetup(): Promise<void> {
  await startSharedServers();
}
