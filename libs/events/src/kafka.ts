import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type LogEntry, type logCreator, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { ConfigError } from '@omtobe/platform';

/** How a client proves itself to the brokers and protects the connection: kafkajs' `ssl` and `sasl` options. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** Plaintext without a login when absent (the development broker). */
  security?: KafkaSecurity;
}

export const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof kafkaSaslMechanisms)[number];

/** The security variables of the kafka config schema (service-events.ts), as parsed; absent means the default. */
export interface KafkaSecurityConfig {
  readonly KAFKA_SSL?: boolean | undefined;
  readonly KAFKA_CA_FILE?: string | undefined;
  readonly KAFKA_SASL_MECHANISM?: KafkaSaslMechanism | undefined;
  readonly KAFKA_SASL_USERNAME?: string | undefined;
  readonly KAFKA_SASL_PASSWORD?: string | undefined;
  readonly KAFKA_SASL_PASSWORD_FILE?: string | undefined;
}

/**
 * Combinations each variable allows alone but that cannot work together, by the variable to fix. A login
 * without a name or a password would only fail at the broker, minutes into a rollout; a CA file or credentials
 * that nothing reads would leave the connection less protected than the operator believes.
 */
export function kafkaSecurityProblems(config: KafkaSecurityConfig): Array<{ variable: string; message: string }> {
  const problems: Array<{ variable: string; message: string }> = [];
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism !== undefined) {
    if (config.KAFKA_SASL_USERNAME === undefined) problems.push({ variable: 'KAFKA_SASL_USERNAME', message: `is required when KAFKA_SASL_MECHANISM is set (${mechanism})` });
    if (config.KAFKA_SASL_PASSWORD === undefined && config.KAFKA_SASL_PASSWORD_FILE === undefined) {
      problems.push({ variable: 'KAFKA_SASL_PASSWORD', message: `is required when KAFKA_SASL_MECHANISM is set (${mechanism}), or set KAFKA_SASL_PASSWORD_FILE` });
    }
    if (mechanism === 'plain' && !config.KAFKA_SSL) problems.push({ variable: 'KAFKA_SASL_MECHANISM', message: 'plain sends the password in clear: set KAFKA_SSL=true, or use scram-sha-512' });
  } else {
    for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const) {
      if (config[variable] !== undefined) problems.push({ variable, message: 'is set but KAFKA_SASL_MECHANISM is not, so it would be ignored' });
    }
  }
  if (config.KAFKA_SASL_PASSWORD !== undefined && config.KAFKA_SASL_PASSWORD_FILE !== undefined) {
    problems.push({ variable: 'KAFKA_SASL_PASSWORD_FILE', message: 'set either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both' });
  }
  if (config.KAFKA_CA_FILE !== undefined && !config.KAFKA_SSL) problems.push({ variable: 'KAFKA_CA_FILE', message: 'is only read with KAFKA_SSL=true' });
  return problems;
}

/**
 * kafkajs' `ssl` and `sasl` from the validated config. Refuses (ConfigError, naming the variable) what cannot
 * work, including a CA or password file that cannot be read now.
 *
 * Files are read again for each new broker connection (kafkajs reads `ssl` and `sasl.password` when it
 * connects and authenticates), so a password or CA that Kubernetes updates in a mounted Secret is used from the
 * next connection on without a restart; a read that fails mid-update keeps the last good value.
 */
export function kafkaSecurity(config: KafkaSecurityConfig): KafkaSecurity {
  const problems = kafkaSecurityProblems(config).map((p) => `${p.variable}: ${p.message}`);
  const files = [
    ['KAFKA_CA_FILE', config.KAFKA_CA_FILE],
    ['KAFKA_SASL_PASSWORD_FILE', config.KAFKA_SASL_PASSWORD_FILE],
  ] as const;
  const current = new Map<string, string>();
  for (const [variable, file] of files) {
    if (file === undefined) continue;
    const text = readSecretFile(file);
    if (text === undefined) problems.push(`${variable}: cannot read ${file}`);
    else if (text === '') problems.push(`${variable}: ${file} is empty`);
    else current.set(file, text);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const reread = (file: string): string => {
    const text = readSecretFile(file);
    if (text) current.set(file, text);
    return current.get(file) as string;
  };
  const security: KafkaSecurity = {};
  if (config.KAFKA_SSL) {
    const caFile = config.KAFKA_CA_FILE;
    // Without a CA file the system's trust store verifies the brokers (a public or organisation-wide CA).
    security.ssl = caFile === undefined ? true : { get ca() { return reread(caFile); } };
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password, KAFKA_SASL_PASSWORD_FILE: passwordFile } = config;
  if (mechanism !== undefined && username !== undefined) {
    security.sasl =
      passwordFile === undefined
        ? { mechanism, username, password: password as string }
        : { mechanism, username, get password() { return reread(passwordFile); } };
  }
  return security;
}

/** A mounted secret's text without the line end editors and `echo` add; undefined when it cannot be read. */
function readSecretFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    return undefined;
  }
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

export function createKafka({ brokers, clientId, logger, security = {} }: KafkaOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    ...(security.ssl === undefined ? {} : { ssl: security.ssl }),
    ...(security.sasl === undefined ? {} : { sasl: security.sasl }),
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(logger),
    // kafkajs backs off up to 30 s by default: after a broker outage, the first attempt would then come up to
    // 30 s after the broker is back. 5 s keeps recovery within seconds at a cost of a few more attempts.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
  });
}
