import type { HealthRegistry, Logger } from '@omtobe/platform';
import { systemClock, type Clock } from '@omtobe/platform';
import type { Peers } from '../peers/peers.ts';
import { healthReport } from './health.ts';
import { sendError, sendJson, type RestRequest, type RestResponse } from './respond.ts';

export interface RestDependencies {
  health: HealthRegistry;
  peers: Peers;
  logger: Logger;
  clock?: Clock;
}

/** The REST API under /api/v1 (requests that are not Connect/gRPC calls). */
export function createRestHandler(deps: RestDependencies) {
  const clock = deps.clock ?? systemClock;
  return (req: RestRequest, res: RestResponse): void => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    const route = `${req.method} ${path}`;
    const handle = async () => {
      if (route === 'GET /api/v1/health') {
        const report = await healthReport(deps.health, deps.peers, clock);
        return sendJson(res, report.status === 'ok' ? 200 : 503, report);
      }
      return sendError(res, 404, 'not_found', `no route for ${req.method} ${path}`);
    };
    handle().catch((err: unknown) => {
      deps.logger.error({ err, route }, 'REST handler failed');
      if (!res.headersSent) sendError(res, 500, 'internal', 'internal error');
    });
  };
}
