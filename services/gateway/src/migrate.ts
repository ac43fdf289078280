// `node services/gateway/src/migrate.ts`: applies the schema's migrations and exits (a Kubernetes Job).
import { runMigrateCommand } from '@omtobe/db';
import { schema } from './store/database.ts';
import { migrations } from './store/migrations/index.ts';

process.exitCode = await runMigrateCommand({ schema, migrations });
