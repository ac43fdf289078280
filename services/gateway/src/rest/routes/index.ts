import type { FastifyInstance } from 'fastify';
import type { UserRateLimits } from '../../limits/rate-limiter.ts';
import type { RestOptions } from '../options.ts';
import { calendarRoutes } from './calendar.ts';
import { cycleRoutes } from './cycle.ts';
import { devRoutes } from './dev.ts';
import { deviceRoutes } from './devices.ts';
import { historyRoutes } from './history.ts';
import { oauthCallbackRoutes } from './oauth-callbacks.ts';
import { platformRoutes } from './platform.ts';
import { providerCompletionRoutes, providerRoutes } from './providers.ts';
import { streamRoutes } from './stream.ts';
import { userRoutes } from './users.ts';
import { webhookRoutes } from './webhooks.ts';

/** Every REST route under /api/v1. */
export async function registerRoutes(app: FastifyInstance, options: RestOptions & { limits: UserRateLimits }): Promise<void> {
  platformRoutes(app, options);
  userRoutes(app, options);
  cycleRoutes(app, options);
  historyRoutes(app, options);
  providerRoutes(app, options);
  // The connection flow in its order (the document lists routes as they are registered): connect, callback, complete.
  oauthCallbackRoutes(app, options);
  providerCompletionRoutes(app, options);
  webhookRoutes(app, options);
  calendarRoutes(app, options);
  deviceRoutes(app, options);
  streamRoutes(app, options);
  if (options.devIssuer) devRoutes(app, options, options.devIssuer);
  if (options.devIssuer) await app.register((await import('../../console/routes.ts')).consolePlugin); // development console (src/console)
}
