// `npm run migrate`: applies every service's migrations to DATABASE_URL, one service after another
// (what the Kubernetes migration Jobs do, for a database outside `npm start`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { services } from './services.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
if (!process.env.DATABASE_URL) {
  process.stderr.write('DATABASE_URL is required: the PostgreSQL to migrate\n');
  process.exit(2);
}
for (const service of services) {
  const script = path.join(root, 'services', service.name, 'src', 'migrate.ts');
  const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', script], { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`migrating ${service.name} failed\n`);
    process.exit(1);
  }
}
