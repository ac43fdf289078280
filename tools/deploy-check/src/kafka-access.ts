import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { deadLetterTopicName, topics } from '@omtobe/events';
import { productionSources } from './imports.ts';
import type { K8sObject } from './kustomize.ts';
import { repoRoot } from './paths.ts';
import type { ServiceName } from './services.ts';

/** What one service does with Kafka. */
export interface KafkaRoles {
  publishes: readonly string[];
  /** Consumed once per service: group = the service's name, inbox, dead-letter topic. */
  consumes: readonly string[];
  /**
   * Heard by every replica (libs/events broadcast-consumer.ts): each replica in a group of its own named
   * `<broadcastGroupPrefix><host>-<random>`, nothing stored, nothing ever parked in a dead-letter topic.
   */
  broadcasts?: readonly string[];
  /** The group id prefix of those groups: the one `prefix` ACL the checks allow. */
  broadcastGroupPrefix?: string;
}

/**
 * Who publishes and who consumes each topic (ARCHITECTURE.md, "Who owns what"), the one machine-readable copy:
 * the KafkaUsers' ACLs are checked against it, and it against the services' code.
 */
export const kafkaOwnership: Record<ServiceName, KafkaRoles> = {
  // The gateway's live streams: every replica hears prompts.v1 (transitions) and users.v1 (erasures end streams).
  gateway: { publishes: [topics.users.name], consumes: [], broadcasts: [topics.prompts.name, topics.users.name], broadcastGroupPrefix: 'gateway-streams-' },
  integrations: { publishes: [topics.hrv.name, topics.calendar.name], consumes: [topics.users.name, topics.prompts.name] },
  'state-engine': { publishes: [topics.decisions.name, topics.prompts.name], consumes: [topics.users.name, topics.hrv.name, topics.calendar.name] },
  'decision-log': { publishes: [], consumes: [topics.decisions.name, topics.users.name] },
};

/** A Strimzi ACL rule (KafkaUser spec.authorization.acls[], kafka.strimzi.io/v1). */
export interface AclRule {
  type?: 'allow' | 'deny';
  resource: { type: 'topic' | 'group' | 'cluster' | 'transactionalId'; name?: string; patternType?: 'literal' | 'prefix' };
  operations: string[];
  host?: string;
}
export interface KafkaUser extends K8sObject {
  spec: {
    userName?: string;
    authentication?: { type: string; password?: unknown };
    authorization?: { type: string; acls: AclRule[] };
  };
}

/** How a rule's resource is named in the checks: `<type> <name>`, with ` (prefix)` for a prefix pattern. */
function resourceKey(resource: AclRule['resource']): string {
  return `${resource.type} ${resource.name ?? '(cluster)'}${resource.patternType === 'prefix' ? ' (prefix)' : ''}`;
}

/**
 * The least a service needs, from the table: Write on what it publishes; Read on what it consumes and on its
 * consumer group (group = SERVICE_NAME = the service's name); Write on the dead-letter topic of each topic it
 * consumes (a consumer parks what it cannot handle there: libs/events/src/dead-letter.ts); Describe on every
 * topic it touches (metadata). Literal names only: the topics are few and fixed, and a prefix would grant
 * topics that do not exist yet. The one exception: a service that broadcasts (every replica hears a topic in a
 * consumer group of its own, whose name is known only at start) gets Read on the groups of its prefix, and Read
 * on those topics without any dead-letter topic (a broadcast consumer never parks anything).
 */
export function expectedAcls(service: ServiceName): Map<string, Set<string>> {
  const { publishes, consumes, broadcasts = [], broadcastGroupPrefix } = kafkaOwnership[service];
  const acls = new Map<string, Set<string>>();
  const grant = (resource: string, ...operations: string[]) => {
    const granted = acls.get(resource) ?? new Set<string>();
    for (const operation of operations) granted.add(operation);
    acls.set(resource, granted);
  };
  for (const topic of publishes) grant(`topic ${topic}`, 'Describe', 'Write');
  for (const topic of consumes) {
    grant(`topic ${topic}`, 'Describe', 'Read');
    grant(`topic ${deadLetterTopicName(topic)}`, 'Describe', 'Write');
  }
  if (consumes.length > 0) grant(`group ${service}`, 'Read');
  for (const topic of broadcasts) grant(`topic ${topic}`, 'Describe', 'Read');
  if (broadcasts.length > 0) grant(resourceKey({ type: 'group', name: broadcastGroupPrefix ?? `(no broadcastGroupPrefix for ${service})`, patternType: 'prefix' }), 'Read');
  return acls;
}

/** Where a KafkaUser's ACLs differ from what the table grants the service, one line per difference. */
export function aclProblems(user: KafkaUser, service: ServiceName): string[] {
  const problems: string[] = [];
  const actual = new Map<string, Set<string>>();
  for (const [index, rule] of (user.spec.authorization?.acls ?? []).entries()) {
    const { resource } = rule;
    if ((rule.type ?? 'allow') !== 'allow') problems.push(`acls/${index}: a deny rule (nothing is allowed beyond the table, so nothing needs denying)`);
    const broadcastGroups = resource.type === 'group' && resource.patternType === 'prefix' && resource.name !== undefined && resource.name === kafkaOwnership[service].broadcastGroupPrefix;
    if ((resource.patternType ?? 'literal') !== 'literal' && !broadcastGroups) {
      problems.push(`acls/${index}: ${resource.type} ${resource.name}: a ${resource.patternType} pattern grants more than the table's names`);
    }
    if ((rule.host ?? '*') !== '*') problems.push(`acls/${index}: host ${rule.host}: pods have no stable address to restrict to`);
    const key = resourceKey(resource);
    const granted = actual.get(key) ?? new Set<string>();
    for (const operation of rule.operations) granted.add(operation);
    actual.set(key, granted);
  }
  const expected = expectedAcls(service);
  for (const [resource, operations] of expected) {
    const granted = actual.get(resource);
    if (granted === undefined) problems.push(`${resource}: missing (${[...operations].sort().join(', ')})`);
    else {
      const lacking = [...operations].filter((o) => !granted.has(o));
      const extra = [...granted].filter((o) => !operations.has(o));
      if (lacking.length > 0) problems.push(`${resource}: lacks ${lacking.sort().join(', ')}`);
      if (extra.length > 0) problems.push(`${resource}: grants ${extra.sort().join(', ')} beyond the table`);
    }
  }
  for (const [resource, operations] of actual) {
    if (!expected.has(resource)) problems.push(`${resource}: granted (${[...operations].sort().join(', ')}) but the table gives ${service} no access`);
  }
  return problems;
}

/**
 * The topics a service's code publishes and consumes, read from `topic: topics.<name>` in its production sources:
 * under src/consumers/ a subscription (one file per consumed topic, STYLE.md) — in a `*.broadcast.ts` file one
 * that every replica hears (libs/events broadcast-consumer.ts) —, anywhere else an outbox entry. The prefix of
 * the broadcast groups is the string constant named `…GroupIdPrefix` under src/consumers/.
 */
export function kafkaUseInCode(service: ServiceName): { publishes: string[]; consumes: string[]; broadcasts: string[]; broadcastGroupPrefix?: string } {
  const dir = path.join(repoRoot, 'services', service);
  const consumersDir = path.join(dir, 'src', 'consumers') + path.sep;
  const publishes = new Set<string>();
  const consumes = new Set<string>();
  const broadcasts = new Set<string>();
  let broadcastGroupPrefix: string | undefined;
  const byKey = topics as Record<string, { name: string } | undefined>;
  for (const file of productionSources(dir)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (
        ts.isPropertyAssignment(node) &&
        node.name.getText(source) === 'topic' &&
        ts.isPropertyAccessExpression(node.initializer) &&
        node.initializer.expression.getText(source) === 'topics'
      ) {
        const key = node.initializer.name.text;
        const name = byKey[key]?.name ?? `topics.${key} (not in libs/events/src/topics.ts)`;
        (!file.startsWith(consumersDir) ? publishes : file.endsWith('.broadcast.ts') ? broadcasts : consumes).add(name);
      }
      if (
        file.startsWith(consumersDir) &&
        ts.isVariableDeclaration(node) &&
        node.name.getText(source).endsWith('GroupIdPrefix') &&
        node.initializer !== undefined &&
        ts.isStringLiteral(node.initializer)
      ) {
        broadcastGroupPrefix = node.initializer.text;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { publishes: [...publishes].sort(), consumes: [...consumes].sort(), broadcasts: [...broadcasts].sort(), ...(broadcastGroupPrefix !== undefined ? { broadcastGroupPrefix } : {}) };
}

/** Where the table and a service's code disagree: a topic used without access, or access the code never uses. */
export function ownershipProblems(service: ServiceName, table: KafkaRoles, inCode: Omit<KafkaRoles, 'broadcasts'> & { broadcasts?: readonly string[] }): string[] {
  const problems: string[] = [];
  for (const role of ['publishes', 'consumes', 'broadcasts'] as const) {
    const listed = new Set(table[role] ?? []);
    const used = new Set(inCode[role] ?? []);
    for (const topic of used) if (!listed.has(topic)) problems.push(`${service} ${role} ${topic} in its code, but the ownership table does not say so`);
    for (const topic of listed) if (!used.has(topic)) problems.push(`the ownership table says ${service} ${role} ${topic}, but its code does not`);
  }
  if ((table.broadcasts?.length ?? 0) > 0 && table.broadcastGroupPrefix !== inCode.broadcastGroupPrefix) {
    problems.push(`${service}'s broadcast groups are named ${inCode.broadcastGroupPrefix ?? '(no …GroupIdPrefix under src/consumers/)'}…, but the table grants ${table.broadcastGroupPrefix}…`);
  }
  return problems;
}
