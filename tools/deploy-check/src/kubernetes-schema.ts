import * as clientNode from '@kubernetes/client-node';
import type { K8sObject } from './kustomize.ts';

type Validatable = { validate(): void };
type ModelClass = new (data: unknown) => Validatable;

/**
 * Validates an object against the Kubernetes OpenAPI schema as kubernetes-models compiles it (types,
 * formats, required fields, int-or-string), then strictly: every field name must exist in the API types
 * (from @kubernetes/client-node's generated models), as kubeconform's -strict does. The OpenAPI schema
 * alone allows unknown fields, so a misspelt `readinesProbe` would otherwise pass.
 */
export async function kubernetesProblems(object: K8sObject): Promise<string[]> {
  const Model = await modelClass(object.apiVersion, object.kind);
  if (Model === undefined) return [`${object.apiVersion} ${object.kind}: no schema for this kind`];
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (error) {
    const errors = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    if (!errors) throw error;
    problems.push(...errors.map((e) => `${e.instancePath || '/'}: ${e.message ?? 'is invalid'}`));
  }
  const typeName = clientModelName(object.apiVersion, object.kind);
  if (!(typeName in models)) return [...problems, `${object.apiVersion} ${object.kind}: no field list for this kind`];
  unknownFields(object, typeName, '', problems);
  return problems;
}

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z]+$/.test(kind)) return undefined;
  try {
    const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

// client-node names its models <Version><Kind>, e.g. V1Deployment, V2HorizontalPodAutoscaler.
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').at(-1) ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

interface Attribute {
  baseName: string;
  type: string;
}
const models = clientNode as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;
const leafTypes = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

function unknownFields(value: unknown, type: string, path: string, problems: string[]): void {
  if (value === null || value === undefined || leafTypes.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, array[1] as string, `${path}/${index}`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) unknownFields(item, map[1] as string, `${path}/${key}`, problems);
    return;
  }
  const attributes = models[type]?.getAttributeTypeMap?.();
  if (attributes === undefined || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (attribute === undefined) problems.push(`${path}/${key}: unknown field (not in ${type})`);
    else unknownFields(item, attribute.type, `${path}/${key}`, problems);
  }
}
