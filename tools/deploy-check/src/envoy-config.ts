import { isRecord } from './yaml-files.ts';

// The slices of an Envoy bootstrap these checks read (envoy-api.ts validates the whole shape).
export interface HeaderMatcher {
  name: string;
  string_match?: { exact?: string; prefix?: string };
  present_match?: boolean;
}
export interface RetryPolicy {
  retry_on?: string;
  num_retries?: number;
  per_try_timeout?: string;
}
export interface EnvoyRoute {
  match: { prefix?: string; path?: string; safe_regex?: { regex: string }; headers?: HeaderMatcher[] };
  route?: { cluster: string; timeout?: string; idle_timeout?: string; retry_policy?: RetryPolicy; max_stream_duration?: { grpc_timeout_header_max?: string } };
  typed_per_filter_config?: Record<string, unknown>;
  direct_response?: { status: number };
  redirect?: { https_redirect?: boolean; scheme_redirect?: string; host_redirect?: string; port_redirect?: number; response_code?: string };
}
export interface HeaderValueOption {
  header: { key: string; value: string };
  append_action?: string;
}
export interface SocketAddress {
  address: string;
  port_value: number;
}
export interface EnvoyCluster {
  name: string;
  type?: string;
  load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: SocketAddress } } }> }> };
  health_checks?: Array<{ grpc_health_check?: object; http_health_check?: object }>;
  outlier_detection?: object;
  typed_extension_protocol_options?: Record<string, { explicit_http_config?: { http2_protocol_options?: object } }>;
}
export interface HttpConnectionManager {
  use_remote_address?: boolean;
  xff_num_trusted_hops?: number;
  stream_idle_timeout?: string;
  access_log?: Array<{ typed_config: { '@type': string; log_format?: { json_format?: Record<string, unknown> } } }>;
  route_config: {
    response_headers_to_add?: HeaderValueOption[];
    virtual_hosts: Array<{ routes: EnvoyRoute[]; typed_per_filter_config?: Record<string, unknown>; request_headers_to_add?: HeaderValueOption[] }>;
  };
  http_filters: Array<{ name: string; typed_config: Record<string, unknown> }>;
}
/** The slice of a DownstreamTlsContext (envoy.extensions.transport_sockets.tls.v3) these checks read. */
export interface DownstreamTlsContext {
  '@type': string;
  common_tls_context?: {
    alpn_protocols?: string[];
    tls_params?: { tls_minimum_protocol_version?: string };
    tls_certificates?: unknown[];
    tls_certificate_sds_secret_configs?: Array<{
      name: string;
      sds_config?: { path_config_source?: { path: string; watched_directory?: { path: string } }; resource_api_version?: string };
    }>;
  };
}
export interface FilterChain {
  filters: Array<{ name: string; typed_config: Record<string, unknown> }>;
  transport_socket?: { name: string; typed_config: Record<string, unknown> };
}
export interface EnvoyListener {
  name: string;
  address: { socket_address: SocketAddress };
  listener_filters?: Array<{ name: string }>;
  filter_chains: FilterChain[];
}
/** A file-based SDS resource file (the DiscoveryResponse form). */
export interface SdsFile {
  resources: Array<{
    '@type': string;
    name?: string;
    tls_certificate?: { certificate_chain?: { filename?: string }; private_key?: { filename?: string }; watched_directory?: { path: string } };
  }>;
}
export interface EnvoyBootstrap {
  admin?: { address: { socket_address: SocketAddress } };
  static_resources: { listeners: EnvoyListener[]; clusters: EnvoyCluster[] };
}

const hcmType = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export function httpConnectionManagers(config: EnvoyBootstrap): Array<{ listener: EnvoyListener; hcm: HttpConnectionManager }> {
  return config.static_resources.listeners.flatMap((listener) =>
    listener.filter_chains.flatMap((chain) =>
      chain.filters.filter((filter) => filter.typed_config['@type'] === hcmType).map((filter) => ({ listener, hcm: filter.typed_config as unknown as HttpConnectionManager })),
    ),
  );
}

const downstreamTlsType = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

/** The TLS context of a listener's filter chains (all of them must agree), or undefined for plain listeners. */
export function downstreamTls(listener: EnvoyListener): DownstreamTlsContext | undefined {
  const contexts = listener.filter_chains.map((chain) => chain.transport_socket?.typed_config);
  if (contexts.some((c) => c?.['@type'] === downstreamTlsType) && !contexts.every((c) => c?.['@type'] === downstreamTlsType)) {
    throw new Error(`listener ${listener.name}: some filter chains speak TLS and some do not`);
  }
  return contexts[0]?.['@type'] === downstreamTlsType ? (contexts[0] as unknown as DownstreamTlsContext) : undefined;
}

/** The listener that serves the app (TLS) and the plain-HTTP one that redirects, by their transport. */
export function edgeListeners(config: EnvoyBootstrap): { tls: EnvoyListener[]; plain: EnvoyListener[] } {
  const listeners = config.static_resources.listeners;
  return { tls: listeners.filter((l) => downstreamTls(l) !== undefined), plain: listeners.filter((l) => downstreamTls(l) === undefined) };
}

/** The HTTP connection manager of the app's (TLS) listener: the route table the API is served by. */
export function appConnectionManager(config: EnvoyBootstrap): HttpConnectionManager {
  const [listener] = edgeListeners(config).tls;
  const found = httpConnectionManagers(config).find((m) => m.listener === listener);
  if (!found) throw new Error('envoy.yaml: no TLS listener with an HTTP connection manager');
  return found.hcm;
}

export function routesOf(hcm: HttpConnectionManager): EnvoyRoute[] {
  return hcm.route_config.virtual_hosts.flatMap((host) => host.routes);
}

export function clusterEndpoints(cluster: EnvoyCluster): SocketAddress[] {
  return cluster.load_assignment.endpoints.flatMap((group) => group.lb_endpoints.map((lb) => lb.endpoint.address.socket_address));
}

export interface Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
}

/**
 * The route Envoy picks for a request: the first whose path matcher and header matchers all match. Path
 * matchers see the path without its query; safe_regex must match the whole path (RE2 full match).
 */
export function matchRoute(routes: readonly EnvoyRoute[], request: Request): EnvoyRoute | undefined {
  const path = request.path.split('?')[0] ?? '';
  const headers: Record<string, string> = { ':method': request.method, ':path': request.path, ...lowerCaseKeys(request.headers ?? {}) };
  return routes.find((route) => {
    const { prefix, path: exact, safe_regex: regex } = route.match;
    const pathMatches =
      prefix !== undefined ? path.startsWith(prefix) : exact !== undefined ? path === exact : regex !== undefined ? new RegExp(`^(?:${regex.regex})$`).test(path) : false;
    return pathMatches && (route.match.headers ?? []).every((matcher) => headerMatches(matcher, headers[matcher.name.toLowerCase()]));
  });
}

function headerMatches(matcher: HeaderMatcher, value: string | undefined): boolean {
  if (matcher.present_match !== undefined) return (value !== undefined) === matcher.present_match;
  if (value === undefined) return false;
  if (matcher.string_match?.exact !== undefined) return value === matcher.string_match.exact;
  if (matcher.string_match?.prefix !== undefined) return value.startsWith(matcher.string_match.prefix);
  throw new Error(`header matcher on ${matcher.name}: only exact, prefix and present_match are understood here`);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}

/** Every string in a JSON-like value, for "is this operator used anywhere" questions. */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (isRecord(value)) return Object.values(value).flatMap(allStrings);
  return [];
}

/** Envoy durations ("1.5s") in milliseconds. */
export function durationMs(duration: string | undefined): number | undefined {
  if (duration === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** The requests of the live state stream (services/gateway/README.md): SSE and Connect/gRPC server streaming. */
export const streamRequests: readonly Request[] = [
  { method: 'GET', path: '/api/v1/state/stream' },
  { method: 'POST', path: '/omtobe.gateway.v1.GatewayService/WatchState' },
];

// HTTP filters that hold a response (or a request) back until it is complete: a stream would never arrive.
const bufferingFilters = ['envoy.filters.http.buffer', 'envoy.filters.http.compressor', 'envoy.filters.http.cache'];

/**
 * What would stop the live stream from living, per stream request: a route timeout (Envoy's default 15 s, or any
 * other, ends every stream), an idle timeout missing or not comfortably above the heartbeat interval (or above the
 * connection manager's stream idle timeout, which it replaces), a retry after the stream began, a buffering filter
 * not disabled on the route, a route answered by Envoy itself, and HSTS missing from the answers.
 */
export function streamRouteProblems(hcm: HttpConnectionManager, heartbeatSeconds: number): string[] {
  const problems: string[] = [];
  const routes = routesOf(hcm);
  const hsts = (hcm.route_config.response_headers_to_add ?? []).some((h) => h.header.key.toLowerCase() === 'strict-transport-security');
  if (!hsts) problems.push('route_config: no strict-transport-security header on the answers');
  for (const request of streamRequests) {
    const name = `${request.method} ${request.path}`;
    const route = matchRoute(routes, request);
    if (!route?.route) {
      problems.push(`${name}: not forwarded to the gateway`);
      continue;
    }
    const timeout = route.route.timeout;
    if (timeout === undefined || durationMs(timeout) !== 0) problems.push(`${name}: route timeout ${timeout ?? '15s (Envoy’s default)'} ends every stream; it must be 0s`);
    const idle = durationMs(route.route.idle_timeout);
    if (idle === undefined || idle === 0) problems.push(`${name}: no idle_timeout (a stream whose gateway went silent would be held forever)`);
    else if (idle < 2 * heartbeatSeconds * 1000) problems.push(`${name}: idle_timeout ${route.route.idle_timeout} is not above twice the heartbeat (${heartbeatSeconds} s)`);
    else if (idle > (durationMs(hcm.stream_idle_timeout) ?? 300_000)) problems.push(`${name}: idle_timeout ${route.route.idle_timeout} is above the stream idle timeout it replaces`);
    const retryOn = route.route.retry_policy?.retry_on ?? '';
    if (retryOn.split(',').some((cause) => !['connect-failure', 'refused-stream', ''].includes(cause))) problems.push(`${name}: retried on ${retryOn} (after the stream began)`);
    for (const filter of hcm.http_filters.filter((f) => bufferingFilters.includes(f.name))) {
      const perRoute = route.typed_per_filter_config?.[filter.name] as { disabled?: boolean } | undefined;
      if (perRoute?.disabled !== true) problems.push(`${name}: ${filter.name} buffers it (not disabled on the route)`);
    }
  }
  return problems;
}
