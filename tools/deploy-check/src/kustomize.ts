import { execFileSync } from 'node:child_process';
import { isRecord, parseYamlStream } from './yaml-files.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization with the kustomize built into kubectl (kubectl ships on every machine image here,
 * with Kustomize v5): the same renderer `kubectl apply -k` uses, so what is checked is what gets applied.
 */
export function renderKustomization(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl is not on the PATH: it renders the Kustomize manifests (`kubectl kustomize`)');
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr ?? e.message}`);
  }
  return parseYamlStream(output).map((document, index) => {
    if (!isRecord(document) || typeof document.apiVersion !== 'string' || typeof document.kind !== 'string' || !isRecord(document.metadata)) {
      throw new Error(`${dir}: rendered document ${index} is not a Kubernetes object`);
    }
    return document as K8sObject;
  });
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

export function byKind<T = K8sObject>(objects: readonly K8sObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}
