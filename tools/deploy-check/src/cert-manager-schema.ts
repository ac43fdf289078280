import { jsonSchemaValidator } from './json-schema.ts';

const stringList = { type: 'array', items: { type: 'string' } } as const;
const goDuration = { type: 'string', pattern: '^(\\d+(\\.\\d+)?(h|m|s|ms))+$' } as const;

/**
 * cert-manager's Certificate (cert-manager.io/v1), from the CRD's openAPIV3Schema (cert-manager's
 * deploy/crds/cert-manager.io_certificates.yaml), hand-kept like the Strimzi schemas and closed the same way:
 * the API server would prune a misspelt `dnsName` and issue a certificate without the name. cert-manager writes
 * the Secret `spec.secretName` (type kubernetes.io/tls: tls.crt, tls.key, ca.crt) in the Certificate's namespace.
 */
export const certificateSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'cert-manager.io/v1' },
    kind: { const: 'Certificate' },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$' },
        namespace: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    spec: {
      type: 'object',
      required: ['issuerRef', 'secretName'],
      additionalProperties: false,
      properties: {
        secretName: { type: 'string', minLength: 1 },
        issuerRef: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1 }, kind: { type: 'string' }, group: { type: 'string' } },
        },
        commonName: { type: 'string' },
        dnsNames: stringList,
        ipAddresses: stringList,
        uris: stringList,
        emailAddresses: stringList,
        duration: goDuration,
        renewBefore: goDuration,
        renewBeforePercentage: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 100 },
        revisionHistoryLimit: { type: 'integer', minimum: 1 },
        isCA: { type: 'boolean' },
        usages: stringList,
        encodeUsagesInRequest: { type: 'boolean' },
        signatureAlgorithm: { enum: ['SHA256WithRSA', 'SHA384WithRSA', 'SHA512WithRSA', 'ECDSAWithSHA256', 'ECDSAWithSHA384', 'ECDSAWithSHA512', 'PureEd25519'] },
        privateKey: {
          type: 'object',
          additionalProperties: false,
          properties: {
            algorithm: { enum: ['RSA', 'ECDSA', 'Ed25519'] },
            encoding: { enum: ['PKCS1', 'PKCS8'] },
            rotationPolicy: { enum: ['Never', 'Always'] },
            size: { type: 'integer' },
          },
        },
        secretTemplate: {
          type: 'object',
          additionalProperties: false,
          properties: {
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        subject: { type: 'object' },
        literalSubject: { type: 'string' },
        keystores: { type: 'object' },
        additionalOutputFormats: { type: 'array' },
        nameConstraints: { type: 'object' },
        otherNames: { type: 'array' },
      },
    },
  },
} as const;

export const certificateProblems = jsonSchemaValidator(certificateSchema);
