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
  /** Where in the token file to begin (random when absent)… */
  startAt?: number;
  /** …and how many tokens from there to go round (all when absent): to replay the tokens of an earlier run. */
  tokenCount?: number;
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
  /** Where the run began in the token file and how many tokens it used (warmup included). */
  startAt: number;
  tokensUsed: number;
}
