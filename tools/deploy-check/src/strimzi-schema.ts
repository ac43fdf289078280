import { jsonSchemaValidator } from './json-schema.ts';

/**
 * Strimzi's KafkaTopic (kafka.strimzi.io/v1, Strimzi >= 0.49), written from the CRD's openAPIV3Schema: no
 * npm package ships Strimzi's CRDs, so this is the one hand-kept schema here. `spec` is closed (the CRD
 * prunes unknown fields silently, which would hide a misspelt `partition`); topic configuration values
 * are strings or numbers. The cluster label is what makes the Topic Operator act on the resource at all.
 */
export const kafkaTopicSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'kafka.strimzi.io/v1' },
    kind: { const: 'KafkaTopic' },
    metadata: {
      type: 'object',
      required: ['name', 'labels'],
      properties: {
        // A DNS subdomain: Kafka topic names outside it need spec.topicName.
        name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$' },
        namespace: { type: 'string' },
        labels: {
          type: 'object',
          required: ['strimzi.io/cluster'],
          additionalProperties: { type: 'string' },
        },
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        partitions: { type: 'integer', minimum: 1 },
        replicas: { type: 'integer', minimum: 1, maximum: 32767 },
        topicName: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' },
        config: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
  },
} as const;

export const kafkaTopicProblems = jsonSchemaValidator(kafkaTopicSchema);
