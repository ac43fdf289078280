import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createServer, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ISocketFactory } from 'kafkajs';
import pino from 'pino';
import { baseConfigSchema, ConfigError, createLifecycle, loadConfig } from '@omtobe/platform';
import { kafkaSecurity, type KafkaSecurity } from './kafka.ts';
import { kafkaConfigSchema, refineKafkaConfig, startServiceEvents } from './service-events.ts';

// A service schema as the services build theirs, with the rules between the Kafka variables added.
const serviceSchema = baseConfigSchema.extend({ ...kafkaConfigSchema.shape }).superRefine(refineKafkaConfig);
const required = { SERVICE_NAME: 'state-engine', DATABASE_URL: 'postgres://u:p@db:5432/omtobe', KAFKA_BROKERS: 'kafka:9093' };
const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(serviceSchema, { ...required, ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kafka-security-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
};

describe('the Kafka security variables', () => {
  it('default to plaintext without a login, as the development broker speaks', () => {
    const config = loadConfig(serviceSchema, required);
    expect(config).toMatchObject({ KAFKA_SSL: false });
    expect(config.KAFKA_SASL_MECHANISM).toBeUndefined();
    expect(kafkaSecurity(config)).toEqual({});
  });

  it('give kafkajs TLS with the CA file and SCRAM-SHA-512 with the password file (mechanism in any case)', () => {
    const ca = file('ca.crt', '-----BEGIN CERTIFICATE-----\nfirst\n-----END CERTIFICATE-----\n');
    const password = file('password', 's3cret\n');
    const config = loadConfig(serviceSchema, {
      ...required,
      KAFKA_SSL: 'true',
      KAFKA_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'state-engine',
      KAFKA_SASL_PASSWORD_FILE: password,
    });
    const security = kafkaSecurity(config);
    expect(security.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'state-engine', password: 's3cret' });
    // kafkajs copies the TLS options into tls.connect for each connection (Object.assign reads getters).
    expect(Object.assign({}, security.ssl)).toEqual({ ca: readFileSync(ca, 'utf8').replace(/\n$/, '') });
  });

  it('reads a rotated password or CA on the next connection, and keeps the last good one while a file is missing', () => {
    const ca = file('rotating-ca.crt', 'ca one');
    const password = file('rotating-password', 'one');
    const security = kafkaSecurity({ KAFKA_SSL: true, KAFKA_CA_FILE: ca, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: password });
    writeFileSync(password, 'two\n');
    writeFileSync(ca, 'ca two');
    expect(security.sasl && 'password' in security.sasl ? security.sasl.password : undefined).toBe('two');
    expect((security.ssl as { ca: string }).ca).toBe('ca two');
    rmSync(password);
    expect(security.sasl && 'password' in security.sasl ? security.sasl.password : undefined).toBe('two');
  });

  it('refuse a SASL mechanism without credentials, naming each missing variable', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is set (scram-sha-512)',
      'KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set (scram-sha-512), or set KAFKA_SASL_PASSWORD_FILE',
    ]);
    expect(() => kafkaSecurity({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' })).toThrow(/KAFKA_SASL_PASSWORD: is required/);
  });

  it('stop a service at start even when its schema lacks the rules: startServiceEvents refuses before connecting', async () => {
    // The services spread kafkaConfigSchema.shape (each variable's own checks) without refineKafkaConfig.
    const config = { ...loadConfig(baseConfigSchema.extend({ ...kafkaConfigSchema.shape }), { ...required, KAFKA_SASL_MECHANISM: 'scram-sha-512' }), KAFKA_BROKERS: ['127.0.0.1:1'] };
    const lifecycle = createLifecycle({ logger: pino({ level: 'silent' }) });
    const started = startServiceEvents({ config, logger: pino({ level: 'silent' }), lifecycle, db: {} as never, pool: {} as never });
    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(/KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is set/);
  });

  it('refuse combinations that would silently weaken or ignore what the operator set', () => {
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_MECHANISM: plain sends the password in clear: set KAFKA_SSL=true, or use scram-sha-512',
    ]);
    expect(problemsOf({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_USERNAME: is set but KAFKA_SASL_MECHANISM is not, so it would be ignored',
      'KAFKA_SASL_PASSWORD: is set but KAFKA_SASL_MECHANISM is not, so it would be ignored',
    ]);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: '/p' })).toEqual([
      'KAFKA_SASL_PASSWORD_FILE: set either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both',
    ]);
    expect(problemsOf({ KAFKA_CA_FILE: '/ca.crt' })).toEqual(['KAFKA_CA_FILE: is only read with KAFKA_SSL=true']);
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual(['KAFKA_SASL_MECHANISM: must be one of plain, scram-sha-256, scram-sha-512']);
    expect(problemsOf({ KAFKA_SSL: 'maybe' })).toEqual([expect.stringMatching(/^KAFKA_SSL: /)]);
  });

  it('refuse a CA or password file that cannot be read or is empty, naming the variable and never the content', () => {
    const empty = file('empty', '\n');
    const missing = path.join(dir, 'missing.crt');
    const refusal = (() => {
      try {
        kafkaSecurity({ KAFKA_SSL: true, KAFKA_CA_FILE: missing, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: empty });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect((refusal as ConfigError).problems).toEqual([`KAFKA_CA_FILE: cannot read ${missing}`, `KAFKA_SASL_PASSWORD_FILE: ${empty} is empty`]);
  });
});

// What kafkajs does with the `ssl` option: its own socket factory (the one every connection goes through) makes a
// real TLS handshake against a server whose certificate only the CA file vouches for.
describe('the TLS options over kafkajs\u2019 socket factory', () => {
  const socketFactory = (createRequire(import.meta.url)('kafkajs/src/network/socketFactory.js') as () => ISocketFactory)();
  let caFile: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    const keyFile = path.join(dir, 'broker.key');
    caFile = path.join(dir, 'broker.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    cert = readFileSync(caFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  });

  async function handshake(ssl: KafkaSecurity['ssl']): Promise<'trusted' | 'refused'> {
    let settle: (outcome: 'trusted' | 'refused') => void = () => undefined;
    const outcome = new Promise<'trusted' | 'refused'>((resolve) => (settle = resolve));
    const server = createServer({ cert, key }, (socket: TLSSocket) => {
      settle('trusted');
      socket.destroy();
    });
    server.on('tlsClientError', () => settle('refused'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = socketFactory({ host: 'localhost', port, ssl: ssl as ConnectionOptions, onConnect: () => undefined });
    socket.on('error', () => undefined);
    try {
      return await outcome;
    } finally {
      socket.destroy();
      server.close();
    }
  }

  it('trusts the brokers the CA file vouches for (by host name), and not without it', async () => {
    expect(await handshake(kafkaSecurity({ KAFKA_SSL: true, KAFKA_CA_FILE: caFile }).ssl)).toBe('trusted');
    expect(await handshake(kafkaSecurity({ KAFKA_SSL: true }).ssl)).toBe('refused');
  });
});
