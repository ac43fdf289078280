/** What the load generator process is asked to do. */
export interface LoadConfig {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  /** One token per line; requests take them round robin. */
  tokensFile: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/** What it measured (latencies of 2xx answers only, autocannon's way; 1 ms resolution). */
export interface LoadResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  distinctTokens: number;
}
