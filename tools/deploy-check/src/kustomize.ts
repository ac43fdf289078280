import { execFileSync } from 'node:child_process';
import { isRecord, parseYamlStream } from './yaml-files.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The Kustomize releases deploy/ is written for (its kustomizations render alike with both). */
export const kustomizeFamilies = /^v(2\.0\.3|5\.\d+\.\d+)$/;

function kubectl(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync('kubectl', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl is not on the PATH: it renders the Kustomize manifests (`kubectl kustomize`); `npm test` installs Debian\'s');
    throw new Error(`kubectl ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
  }
}

/**
 * Renders a kustomization with the Kustomize built into whichever kubectl is on the PATH: the same renderer
 * `kubectl apply -k` uses, so what is checked is what gets applied. That is Kustomize v5 on current machines
 * and v2.0.3 in CI (Debian's kubectl 1.20, which scripts/setup.mjs installs when there is no kubectl).
 */
export function renderKustomization(dir: string, env?: NodeJS.ProcessEnv): K8sObject[] {
  return parseYamlStream(kubectl(['kustomize', dir], env)).map((document, index) => {
    if (!isRecord(document) || typeof document.apiVersion !== 'string' || typeof document.kind !== 'string' || !isRecord(document.metadata)) {
      throw new Error(`${dir}: rendered document ${index} is not a Kubernetes object`);
    }
    return document as K8sObject;
  });
}

/**
 * The Kustomize version in `kubectl version --client -o json`. kubectl reports it from 1.24 on; 1.14 to 1.20
 * embed v2.0.3 without saying so, and 1.21 to 1.23 (v4) are neither, so they come out as unknown.
 */
export function parseKustomizeVersion(versionJson: string): string {
  const version: unknown = JSON.parse(versionJson);
  if (!isRecord(version)) throw new Error('kubectl version: not a JSON object');
  if (typeof version.kustomizeVersion === 'string') return version.kustomizeVersion;
  const client = isRecord(version.clientVersion) ? version.clientVersion : {};
  const minor = Number.parseInt(String(client.minor), 10);
  if (client.major === '1' && minor >= 14 && minor <= 20) return 'v2.0.3';
  return `unknown (kubectl ${String(client.gitVersion)})`;
}

export function kustomizeVersion(): string {
  return parseKustomizeVersion(kubectl(['version', '--client', '-o', 'json']));
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

export function byKind<T = K8sObject>(objects: readonly K8sObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}
