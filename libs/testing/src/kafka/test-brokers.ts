/** Brokers (host:port,…) of the run's Kafka, set by the jest global setup (or by hand for an external broker). */
export const TEST_KAFKA_BROKERS_ENV = 'OMTOBE_TEST_KAFKA_BROKERS';

/** The run's broker list, as kafkajs' `brokers`. */
export function testKafkaBrokers(): string[] {
  const brokers = process.env[TEST_KAFKA_BROKERS_ENV];
  if (!brokers) {
    throw new Error(`${TEST_KAFKA_BROKERS_ENV} is not set: run tests through jest with the shared preset (its global setup starts the broker)`);
  }
  return brokers.split(',');
}
