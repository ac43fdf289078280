import { certificateProblems } from './cert-manager-schema.ts';
import { kafkaTopicProblems, kafkaUserProblems } from './strimzi-schema.ts';

/**
 * The kinds no Kubernetes schema covers, each against its operator's CRD (hand-kept: no npm package here ships
 * them): Strimzi's KafkaTopic and KafkaUser, cert-manager's Certificate.
 */
export const customResourceProblems: Readonly<Record<string, (object: unknown) => string[]>> = {
  KafkaTopic: kafkaTopicProblems,
  KafkaUser: kafkaUserProblems,
  Certificate: certificateProblems,
};

/**
 * The Secrets an operator creates from a resource in the manifests: Strimzi's User Operator one per KafkaUser
 * (its name, key `password`), cert-manager one per Certificate (spec.secretName, type kubernetes.io/tls).
 */
export function operatorSecrets(objects: ReadonlyArray<{ kind: string; metadata: { name: string; namespace?: string }; spec?: unknown }>): Array<{ name: string; namespace?: string; keys: string[]; from: string }> {
  return objects.flatMap((object) => {
    const namespace = object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace };
    if (object.kind === 'KafkaUser') return [{ name: object.metadata.name, ...namespace, keys: ['password', 'sasl.jaas.config'], from: `KafkaUser/${object.metadata.name}` }];
    if (object.kind === 'Certificate') {
      const secretName = (object.spec as { secretName?: string } | undefined)?.secretName;
      return secretName ? [{ name: secretName, ...namespace, keys: ['tls.crt', 'tls.key', 'ca.crt'], from: `Certificate/${object.metadata.name}` }] : [];
    }
    return [];
  });
}
