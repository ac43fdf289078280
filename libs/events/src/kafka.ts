import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
}

// kafkajs logs through its own levels; route them into the service's pino logger so they keep its fields.
function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafka' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) kafkaLogger.error(extra, message);
      else if (level === logLevel.WARN) kafkaLogger.warn(extra, message);
      else if (level === logLevel.INFO) kafkaLogger.debug(extra, message);
      else kafkaLogger.trace(extra, message);
    };
}

export function createKafka({ brokers, clientId, logger }: KafkaOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(logger),
    // kafkajs backs off up to 30 s by default: after a broker outage, the first attempt would then come up to
    // 30 s after the broker is back. 5 s keeps recovery within seconds at a cost of a few more attempts.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
  });
}
