import { jsonSchemaValidator } from './json-schema.ts';

/**
 * Strimzi's KafkaTopic (kafka.strimzi.io/v1, Strimzi >= 0.49), written from the CRD's openAPIV3Schema: no
 * npm package ships Strimzi's CRDs, so these are hand-kept (as is cert-manager-schema.ts). `spec` is closed (the CRD
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

const metadata = kafkaTopicSchema.properties.metadata;

/**
 * Strimzi's KafkaUser (kafka.strimzi.io/v1), from the CRD's openAPIV3Schema (Strimzi's 044-Crd-kafkauser.yaml), closed
 * like the KafkaTopic above. The User Operator creates the Secret `<metadata.name>` (key `password` for
 * scram-sha-512) in the KafkaUser's own namespace.
 */
export const kafkaUserSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'kafka.strimzi.io/v1' },
    kind: { const: 'KafkaUser' },
    metadata,
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        userName: { type: 'string' },
        authentication: {
          type: 'object',
          required: ['type'],
          additionalProperties: false,
          properties: {
            type: { enum: ['tls', 'tls-external', 'scram-sha-512'] },
            password: {
              type: 'object',
              required: ['valueFrom'],
              additionalProperties: false,
              properties: {
                valueFrom: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    secretKeyRef: {
                      type: 'object',
                      additionalProperties: false,
                      properties: { key: { type: 'string' }, name: { type: 'string' }, optional: { type: 'boolean' } },
                    },
                  },
                },
              },
            },
          },
        },
        authorization: {
          type: 'object',
          required: ['acls', 'type'],
          additionalProperties: false,
          properties: {
            type: { const: 'simple' },
            acls: {
              type: 'array',
              items: {
                type: 'object',
                required: ['resource', 'operations'],
                additionalProperties: false,
                properties: {
                  type: { enum: ['allow', 'deny'] },
                  resource: {
                    type: 'object',
                    required: ['type'],
                    additionalProperties: false,
                    properties: {
                      name: { type: 'string' },
                      patternType: { enum: ['literal', 'prefix'] },
                      type: { enum: ['topic', 'group', 'cluster', 'transactionalId'] },
                    },
                  },
                  host: { type: 'string' },
                  operations: {
                    type: 'array',
                    minItems: 1,
                    items: { enum: ['Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'ClusterAction', 'AlterConfigs', 'DescribeConfigs', 'IdempotentWrite', 'All'] },
                  },
                },
              },
            },
          },
        },
        quotas: {
          type: 'object',
          additionalProperties: false,
          properties: {
            producerByteRate: { type: 'integer', minimum: 0 },
            consumerByteRate: { type: 'integer', minimum: 0 },
            requestPercentage: { type: 'integer', minimum: 0 },
            controllerMutationRate: { type: 'number', minimum: 0 },
          },
        },
        template: { type: 'object' },
      },
    },
  },
} as const;

export const kafkaUserProblems = jsonSchemaValidator(kafkaUserSchema);
