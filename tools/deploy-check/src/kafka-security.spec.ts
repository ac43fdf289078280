// Kafka access: one KafkaUser per service whose ACLs are exactly what the ownership table grants (and the table
// exactly what the services' code does), and each service connecting as that user over TLS with the password and
// CA that Strimzi's Secrets hold. What deploy/README.md's "Security" section promises, held here.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { allTopics, kafkaConfigSchema, refineKafkaConfig } from '@omtobe/events';
import { ConfigError, loadConfig } from '@omtobe/platform';
import { loadCrossCheck, overlayNames, type CrossCheck } from './cross-check-fixture.ts';
import { aclProblems, expectedAcls, kafkaOwnership, kafkaUseInCode, ownershipProblems, type KafkaUser } from './kafka-access.ts';
import { byKind } from './kustomize.ts';
import { serviceNames } from './services.ts';
import { mountedFile } from './workloads.ts';

let ctx: CrossCheck;
beforeAll(async () => {
  ctx = await loadCrossCheck();
});

/** The rules between the Kafka variables (a SASL mechanism needs credentials, …) over an environment. */
function kafkaRuleProblems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(kafkaConfigSchema.superRefine(refineKafkaConfig), env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('the Kafka ownership table (tools/deploy-check/src/kafka-access.ts)', () => {
  it('names only topics of libs/events/src/topics.ts, each published by exactly one service', () => {
    const declared = allTopics.map((t) => t.name).sort();
    const publishers = declared.map((topic) => ({ topic, publishers: serviceNames.filter((s) => kafkaOwnership[s].publishes.includes(topic)) }));
    expect(publishers).toEqual(declared.map((topic) => ({ topic, publishers: [expect.any(String)] })));
    for (const service of serviceNames) for (const topic of kafkaOwnership[service].consumes) expect(declared).toContain(topic);
  });

  it.each(serviceNames)('agrees with what the code of %s publishes (outbox) and subscribes to (src/consumers/)', (service) => {
    expect(ownershipProblems(service, kafkaOwnership[service], kafkaUseInCode(service))).toEqual([]);
  });

  it('the code check catches a topic used without a grant and a grant never used (it is not vacuous)', () => {
    const table = { publishes: [...kafkaOwnership['state-engine'].publishes, 'calendar.v1'], consumes: kafkaOwnership['state-engine'].consumes.filter((t) => t !== 'hrv.v1') };
    expect(ownershipProblems('state-engine', table, kafkaUseInCode('state-engine'))).toEqual([
      'the ownership table says state-engine publishes calendar.v1, but its code does not',
      'state-engine consumes hrv.v1 in its code, but the ownership table does not say so',
    ]);
  });

  it('tells the gateway’s broadcasts (src/consumers/*.broadcast.ts, every replica) from consumption, and checks their group prefix', () => {
    const inCode = kafkaUseInCode('gateway');
    expect(inCode).toEqual({ publishes: ['users.v1'], consumes: [], broadcasts: ['prompts.v1', 'users.v1'], broadcastGroupPrefix: 'gateway-streams-' });
    const asConsumer = { ...kafkaOwnership.gateway, consumes: ['prompts.v1'], broadcasts: ['users.v1'], broadcastGroupPrefix: 'gateway-' };
    expect(ownershipProblems('gateway', asConsumer, inCode)).toEqual([
      'the ownership table says gateway consumes prompts.v1, but its code does not',
      'gateway broadcasts prompts.v1 in its code, but the ownership table does not say so',
      "gateway's broadcast groups are named gateway-streams-…, but the table grants gateway-…",
    ]);
  });
});

describe.each(overlayNames)('overlays/%s: Kafka users and ACLs', (overlay) => {
  const users = () => byKind<KafkaUser>(ctx.k8s(overlay).objects, 'KafkaUser');
  const brokers = () => ctx.k8s(overlay).env('Deployment', 'gateway').KAFKA_BROKERS ?? '';
  // Strimzi's bootstrap Service is <cluster>-kafka-bootstrap.<namespace>.svc.
  const cluster = () => /^([a-z0-9-]+)-kafka-bootstrap\./.exec(brokers())?.[1];

  it('has one KafkaUser per service, beside the services (its Secret must be mountable there), in the brokers’ cluster', () => {
    expect(users().map((u) => u.metadata.name).sort()).toEqual([...serviceNames].sort());
    for (const user of users()) {
      expect({ user: user.metadata.name, namespace: user.metadata.namespace, cluster: user.metadata.labels?.['strimzi.io/cluster'] }).toEqual({
        user: user.metadata.name,
        namespace: ctx.k8s(overlay).workload('Deployment', user.metadata.name).object.metadata.namespace,
        cluster: cluster(),
      });
    }
  });

  it.each(serviceNames)('%s: SCRAM-SHA-512, simple authorization, and exactly the ACLs the ownership table grants', (service) => {
    const user = users().find((u) => u.metadata.name === service) as KafkaUser;
    expect(user.spec.authentication?.type).toBe('scram-sha-512');
    expect(user.spec.authorization?.type).toBe('simple');
    expect(aclProblems(user, service)).toEqual([]);
  });

  it('the ACL check catches a missing, an extra, a widened and a renamed grant (it is not vacuous)', () => {
    const user = structuredClone(users().find((u) => u.metadata.name === 'state-engine') as KafkaUser);
    const acls = user.spec.authorization!.acls;
    const decisions = acls.find((a) => a.resource.type === 'topic' && a.resource.name === 'decisions.v1')!;
    decisions.operations = decisions.operations.filter((o) => o !== 'Write');
    acls.find((a) => a.resource.type === 'topic' && a.resource.name === 'users.v1')!.operations.push('Write');
    acls.find((a) => a.resource.type === 'group')!.resource.name = 'state';
    acls.push({ resource: { type: 'topic', name: 'hrv', patternType: 'prefix' }, operations: ['Read'] });
    expect(aclProblems(user, 'state-engine')).toEqual([
      `acls/${acls.length - 1}: topic hrv: a prefix pattern grants more than the table's names`,
      'topic decisions.v1: lacks Write',
      'topic users.v1: grants Write beyond the table',
      'group state-engine: missing (Read)',
      'group state: granted (Read) but the table gives state-engine no access',
      'topic hrv (prefix): granted (Read) but the table gives state-engine no access',
    ]);
    expect([...expectedAcls('decision-log').keys()].sort()).toEqual(['group decision-log', 'topic decisions.v1', 'topic decisions.v1.dlq', 'topic users.v1', 'topic users.v1.dlq']);
  });

  it('allows exactly one prefix: the gateway’s stream groups, Read only, and no dead-letter topic for what it broadcasts', () => {
    expect(Object.fromEntries([...expectedAcls('gateway')].map(([resource, operations]) => [resource, [...operations].sort()]))).toEqual({
      'topic users.v1': ['Describe', 'Read', 'Write'],
      'topic prompts.v1': ['Describe', 'Read'],
      'group gateway-streams- (prefix)': ['Read'],
    });
    const gateway = structuredClone(users().find((u) => u.metadata.name === 'gateway') as KafkaUser);
    const acls = gateway.spec.authorization!.acls;
    acls.find((a) => a.resource.patternType === 'prefix')!.resource.name = 'gateway-';
    acls.push({ resource: { type: 'topic', name: 'prompts.v1.dlq', patternType: 'literal' }, operations: ['Describe', 'Write'] });
    expect(aclProblems(gateway, 'gateway')).toEqual([
      `acls/${acls.length - 2}: group gateway-: a prefix pattern grants more than the table's names`,
      'group gateway-streams- (prefix): missing (Read)',
      'group gateway- (prefix): granted (Read) but the table gives gateway no access',
      'topic prompts.v1.dlq: granted (Describe, Write) but the table gives gateway no access',
    ]);
    // The same prefix on another service's user is no exception.
    const stateEngine = structuredClone(users().find((u) => u.metadata.name === 'state-engine') as KafkaUser);
    stateEngine.spec.authorization!.acls.push({ resource: { type: 'group', name: 'gateway-streams-', patternType: 'prefix' }, operations: ['Read'] });
    expect(aclProblems(stateEngine, 'state-engine')).toEqual([
      `acls/${stateEngine.spec.authorization!.acls.length - 1}: group gateway-streams-: a prefix pattern grants more than the table's names`,
      'group gateway-streams- (prefix): granted (Read) but the table gives state-engine no access',
    ]);
  });

  it.each(serviceNames)('%s connects over TLS (port 9093) with SCRAM-SHA-512 as its own user, with the password and CA Strimzi’s Secrets hold', (service) => {
    const { object, container } = ctx.k8s(overlay).workload('Deployment', service);
    const env = ctx.k8s(overlay).env('Deployment', service);
    expect(kafkaRuleProblems(env)).toEqual([]);
    expect({ ssl: env.KAFKA_SSL, mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }).toEqual({
      ssl: 'true',
      mechanism: 'scram-sha-512',
      username: users().find((u) => u.metadata.name === service)?.spec.userName ?? service,
      password: undefined,
    });
    expect(brokers().split(',').every((broker) => broker.endsWith(':9093'))).toBe(true);
    const spec = object.spec.template.spec;
    expect(mountedFile(spec, container, env.KAFKA_SASL_PASSWORD_FILE ?? '')).toMatchObject({ kind: 'Secret', name: service, key: 'password' });
    expect(mountedFile(spec, container, env.KAFKA_CA_FILE ?? '')).toMatchObject({ kind: 'Secret', name: `${cluster()}-cluster-ca-cert`, key: 'ca.crt' });
    // The password is not world-readable; the service reads it through the pod's fsGroup.
    expect((mountedFile(spec, container, env.KAFKA_SASL_PASSWORD_FILE ?? '')?.mode ?? 0o644) & 0o007).toBe(0);
    expect(spec.securityContext?.fsGroup).toBe(spec.securityContext?.runAsUser);
  });
});

describe('compose: Kafka as the development broker speaks it', () => {
  it.each(serviceNames)('%s connects in plaintext without a login, as compose’s broker listens', (service) => {
    const env = ctx.composeEnv(service);
    expect(kafkaRuleProblems(env)).toEqual([]);
    expect({ ssl: env.KAFKA_SSL, mechanism: env.KAFKA_SASL_MECHANISM }).toEqual({ ssl: undefined, mechanism: undefined });
    expect(ctx.composeService('kafka').environment?.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toMatch(/(^|,)PLAINTEXT:PLAINTEXT(,|$)/);
  });

  it('the rules refuse a SASL mechanism without credentials, naming the variable (they are not vacuous)', () => {
    expect(kafkaRuleProblems({ ...ctx.composeEnv('gateway'), KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is set (scram-sha-512)',
      'KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set (scram-sha-512), or set KAFKA_SASL_PASSWORD_FILE',
    ]);
  });
});
