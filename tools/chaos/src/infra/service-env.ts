import type { Identity } from './identity.ts';

/**
 * What every service of a chaos stack gets: development mode (dev token issuer and controls, mock providers),
 * quiet logs, the test stack's snappy Kafka settings, and the run's identity provider instead of the
 * gateway's development issuer. The rate limits are lifted: a few dozen simulated
 * apps poll far more often than one phone does.
 */
export function serviceEnv(databaseUrl: string, kafkaBrokers: string, identity: Pick<Identity, 'jwksUrl' | 'issuer'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMTOBE_MODE: 'development',
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: kafkaBrokers,
    JWKS_URL: identity.jwksUrl,
    JWT_ISSUER: identity.issuer,
    KAFKA_MAX_WAIT_MS: '100',
    KAFKA_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    OUTBOX_POLL_INTERVAL_MS: '200',
    RATE_LIMIT_CHECK_PER_MINUTE: '100000',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
    // The injected drop holds the mock stream down longer than a full run lasts.
    MOCK_DROP_HOLD_MINUTES: '600',
  };
}

export const sessionTimeoutMs = 5_000;
