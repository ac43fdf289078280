import { describe, expect, it } from '@jest/globals';
import { loadEnvoyApi } from './envoy-api.ts';
import { allStrings, appConnectionManager, durationMs, edgeListeners, httpConnectionManagers, matchRoute, routesOf, streamRequests, streamRouteProblems, type EnvoyBootstrap, type EnvoyRoute } from './envoy-config.ts';
import { loadServiceConfig } from './services.ts';
import { deployPaths } from './paths.ts';
import { readYaml } from './yaml-files.ts';

const config = readYaml(deployPaths.envoy) as EnvoyBootstrap;
const api = loadEnvoyApi();
const hcm = appConnectionManager(config);
const routes = routesOf(hcm);

describe('deploy/envoy/envoy.yaml against Envoy’s v3 API', () => {
  it('conforms to envoy.config.bootstrap.v3.Bootstrap: fields, types, enums, oneofs, typed_config types, required fields', () => {
    expect(api.problems(config)).toEqual([]);
  });

  it('the check catches what Envoy would reject (it is not vacuous)', () => {
    const broken = structuredClone(config) as EnvoyBootstrap & { admin: Record<string, unknown> };
    broken.admin.adress = broken.admin.address;
    const cluster = broken.static_resources.clusters[0] as unknown as Record<string, unknown>;
    cluster.lb_policy = 'FASTEST';
    cluster.connect_timeout = 2;
    delete cluster.name;
    const [{ hcm: brokenHcm }] = httpConnectionManagers(broken) as [ReturnType<typeof httpConnectionManagers>[number]];
    (brokenHcm.http_filters.at(-1) as { typed_config: Record<string, unknown> }).typed_config['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.routr.v3.Router';
    const firstRoute = routesOf(brokenHcm)[0] as EnvoyRoute;
    firstRoute.match.path = '/both';
    (brokenHcm.route_config.virtual_hosts[0] as Record<string, unknown>).cors = {};
    expect(api.problems(broken)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/admin\/adress: unknown field/),
        expect.stringMatching(/lb_policy: "FASTEST" is not a value/),
        expect.stringMatching(/connect_timeout: expected a duration/),
        expect.stringMatching(/clusters\/0\/name: is required/),
        expect.stringMatching(/unknown type type.googleapis.com\/envoy.extensions.filters.http.routr.v3.Router/),
        expect.stringMatching(/routes\/0\/match: .* are alternatives \(oneof path_specifier\)/),
        expect.stringMatching(/virtual_hosts\/0\/cors: deprecated field/),
      ]),
    );
  });
});

describe('Envoy at the edge', () => {
  it('keeps the admin interface on localhost', () => {
    expect(config.admin?.address.socket_address.address).toBe('127.0.0.1');
  });

  it('has one TLS listener for the app, speaking HTTP/1.1 and HTTP/2, and one plain listener (edge-tls.spec.ts)', () => {
    const { tls, plain } = edgeListeners(config);
    expect({ tls: tls.length, plain: plain.length }).toEqual({ tls: 1, plain: 1 });
    expect((hcm as unknown as { codec_type: string }).codec_type).toBe('AUTO');
  });

  it('talks HTTP/2 to the gateway, health-checks it over grpc.health.v1 and ejects outliers', () => {
    const gateway = config.static_resources.clusters.find((c) => c.name === 'gateway');
    expect(gateway?.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']?.explicit_http_config?.http2_protocol_options).toBeDefined();
    expect(gateway?.health_checks?.map((h) => h.grpc_health_check !== undefined)).toEqual([true]);
    expect(gateway?.outlier_detection).toBeDefined();
    expect(gateway?.type).toBe('STRICT_DNS');
  });

  it('routes only to clusters that exist, and gives every forwarded route a timeout but the live stream’s', () => {
    const clusters = new Set(config.static_resources.clusters.map((c) => c.name));
    const streamRoutes = new Set(streamRequests.map((request) => matchRoute(routes, request)));
    for (const route of routes) {
      if (route.direct_response) continue;
      expect(clusters.has(route.route?.cluster ?? '')).toBe(true);
      if (!streamRoutes.has(route)) expect(durationMs(route.route?.timeout)).toBeGreaterThan(0);
    }
  });

  it('lets the live state stream live: no route timeout, an idle timeout above the heartbeat, nothing buffering it, HSTS', async () => {
    const heartbeatSeconds = Number((await loadServiceConfig('gateway')).schema.shape.STREAM_HEARTBEAT_SECONDS?.safeParse(undefined).data);
    expect(heartbeatSeconds).toBeGreaterThan(0);
    expect(streamRouteProblems(hcm, heartbeatSeconds)).toEqual([]);
    // The stream's routes are its own, not the catch-all ones with their 10-15 s timeouts.
    for (const request of streamRequests) expect(durationMs(matchRoute(routes, request)?.route?.timeout)).toBe(0);
  });

  it('the stream check catches a route timeout, a buffer filter, a lost idle timeout and a lost route (it is not vacuous)', () => {
    const broken = structuredClone(hcm);
    const brokenRoutes = routesOf(broken);
    const sse = matchRoute(brokenRoutes, streamRequests[0]!)!;
    sse.route!.timeout = '15s';
    const watchState = matchRoute(brokenRoutes, streamRequests[1]!)!;
    delete watchState.route!.idle_timeout;
    broken.http_filters.splice(-1, 0, { name: 'envoy.filters.http.buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer', max_request_bytes: 65536 } });
    expect(streamRouteProblems(broken, 15)).toEqual([
      'GET /api/v1/state/stream: route timeout 15s ends every stream; it must be 0s',
      'GET /api/v1/state/stream: envoy.filters.http.buffer buffers it (not disabled on the route)',
      'POST /omtobe.gateway.v1.GatewayService/WatchState: no idle_timeout (a stream whose gateway went silent would be held forever)',
      'POST /omtobe.gateway.v1.GatewayService/WatchState: envoy.filters.http.buffer buffers it (not disabled on the route)',
    ]);
    // Without its own route the stream falls to the catch-all one, with its 15 s timeout.
    const host = broken.route_config.virtual_hosts[0]!;
    host.routes = host.routes.filter((r) => r !== watchState);
    expect(streamRouteProblems(broken, 15)).toContain('POST /omtobe.gateway.v1.GatewayService/WatchState: route timeout 15s ends every stream; it must be 0s');
  });

  it('retries after a failure past the connection only for reads and Idempotency-Key writes', () => {
    const unsafeRetryOn = /(^|,)(5xx|gateway-error|reset|retriable-status-codes|unavailable|cancelled|deadline-exceeded|internal|resource-exhausted)(,|$)/;
    for (const route of routes.filter((r) => unsafeRetryOn.test(r.route?.retry_policy?.retry_on ?? ''))) {
      const headers = route.match.headers ?? [];
      const getOnly = headers.some((h) => h.name === ':method' && h.string_match?.exact === 'GET');
      const idempotencyKey = headers.some((h) => h.name === 'idempotency-key' && h.present_match === true);
      const grpcRead = /GatewayService\/\(GetState\|List/.test(route.match.safe_regex?.regex ?? '');
      expect({ route: route.match, safe: getOnly || idempotencyKey || grpcRead }).toEqual({ route: route.match, safe: true });
    }
    // Spot checks of the route table as a client sees it.
    const retryOn = (method: string, path: string, headers?: Record<string, string>) => matchRoute(routes, { method, path, ...(headers ? { headers } : {}) })?.route?.retry_policy?.retry_on;
    expect(retryOn('GET', '/api/v1/state')).toMatch(/reset/);
    expect(retryOn('POST', '/api/v1/state/check')).toBe('connect-failure,refused-stream');
    expect(retryOn('POST', '/api/v1/decisions')).toBe('connect-failure,refused-stream');
    expect(retryOn('POST', '/api/v1/decisions', { 'Idempotency-Key': 'k' })).toMatch(/reset/);
    expect(retryOn('GET', '/api/v1/providers/whoop/callback?code=c&state=s')).toBe('connect-failure,refused-stream');
    expect(retryOn('POST', '/omtobe.gateway.v1.GatewayService/GetState')).toMatch(/unavailable/);
    expect(retryOn('POST', '/omtobe.gateway.v1.GatewayService/RecordDecision')).toBe('connect-failure,refused-stream');
  });

  it('answers reflection, health and unknown paths itself', () => {
    for (const path of ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.health.v1.Health/Check', '/admin', '/']) {
      expect({ path, status: matchRoute(routes, { method: 'POST', path })?.direct_response?.status }).toEqual({ path, status: 404 });
    }
  });

  it('rate-limits locally, enabled and enforced for every request, and handles CORS', () => {
    const limit = hcm.http_filters.find((f) => f.name === 'envoy.filters.http.local_ratelimit')?.typed_config as
      | { filter_enabled?: { default_value: { numerator: number; denominator: string } }; filter_enforced?: { default_value: { numerator: number; denominator: string } } }
      | undefined;
    expect(limit?.filter_enabled?.default_value).toEqual({ numerator: 100, denominator: 'HUNDRED' });
    expect(limit?.filter_enforced?.default_value).toEqual({ numerator: 100, denominator: 'HUNDRED' });
    expect(hcm.http_filters.map((f) => f.name)).toContain('envoy.filters.http.cors');
    expect(hcm.route_config.virtual_hosts[0]?.typed_per_filter_config?.['envoy.filters.http.cors']).toBeDefined();
    expect(hcm.http_filters.at(-1)?.name).toBe('envoy.filters.http.router');
  });

  it('logs JSON access logs without bodies, credentials or query strings', () => {
    const formats = (hcm.access_log ?? []).map((log) => log.typed_config.log_format?.json_format);
    expect(formats.length).toBeGreaterThan(0);
    for (const format of formats) {
      expect(format).toBeDefined();
      const operators = allStrings(format).join(' ');
      expect(operators).not.toMatch(/AUTHORIZATION|COOKIE|PROXY-AUTHORIZATION|X-API-KEY/i);
      expect(operators).not.toMatch(/%(REQUEST_BODY|RESPONSE_BODY|REQ_BODY|RESP_BODY)/i);
      // %REQ(:PATH)% and %PATH% carry the query (OAuth codes); only the query-less form is allowed.
      expect(operators).not.toMatch(/%REQ\([^)]*PATH[^)]*\)%|%PATH(\([^)]*\))?%/);
      expect(operators).toMatch(/%REQ_WITHOUT_QUERY\(/);
    }
  });
});
