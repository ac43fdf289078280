import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  type HealthCheckResponse,
} from '@omtobe/proto/grpc/health/v1';
import type { HealthRegistry, ServingStatus } from './health.ts';

const toProto = (status: ServingStatus | undefined): Status =>
  status === 'SERVING' ? Status.SERVING : status === 'NOT_SERVING' ? Status.NOT_SERVING : Status.SERVICE_UNKNOWN;

/**
 * grpc.health.v1.Health over the registry, as https://github.com/grpc/grpc/blob/master/doc/health-checking.md
 * describes it. Watch streams end (OK) when `closing` aborts, so they do not hold a graceful drain
 * until its deadline; clients then retry, and find the port closed.
 */
export function healthRoutes(health: HealthRegistry, closing: AbortSignal) {
  const impl: ServiceImpl<typeof Health> = {
    check(request) {
      const status = health.status(request.service);
      if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      return { status: toProto(status) };
    },

    list() {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, status] of health.all()) statuses[service] = create(HealthCheckResponseSchema, { status: toProto(status) });
      return create(HealthListResponseSchema, { statuses });
    },

    async *watch(request, context) {
      const signal = AbortSignal.any([context.signal, closing]);
      let changed = true;
      let wake = () => {};
      const notify = () => {
        changed = true;
        wake();
      };
      const unsubscribe = health.onChange((service) => service === request.service && notify());
      signal.addEventListener('abort', notify);
      try {
        let last: Status | undefined;
        for (;;) {
          if (!changed) await new Promise<void>((resolve) => (wake = resolve));
          changed = false;
          if (signal.aborted) return;
          const current = toProto(health.status(request.service));
          if (current !== last) {
            last = current;
            yield { status: current };
          }
        }
      } finally {
        unsubscribe();
        signal.removeEventListener('abort', notify);
      }
    },
  };
  return (router: ConnectRouter) => router.service(Health, impl);
}
