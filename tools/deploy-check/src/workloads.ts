import type { K8sObject } from './kustomize.ts';

// The slices of the Kubernetes API these checks read (the full shapes are validated elsewhere).
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { path?: string; port: number | string; scheme?: 'HTTP' | 'HTTPS' };
  tcpSocket?: { port: number | string };
}
export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  fsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Volume[];
}
export interface KeyToPath {
  key: string;
  path: string;
}
export interface Volume {
  name: string;
  hostPath?: unknown;
  emptyDir?: unknown;
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  projected?: { defaultMode?: number; sources: Array<{ secret?: { name: string; items?: KeyToPath[]; optional?: boolean }; configMap?: { name: string; items?: KeyToPath[] } }> };
}
export interface Workload extends K8sObject {
  spec: { selector?: { matchLabels?: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
export interface ServiceObject extends K8sObject {
  spec: {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: number | string; appProtocol?: string }>;
  };
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
}
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
export interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: Array<{ port?: number | string; protocol?: string }>;
}
export interface NetworkPolicy extends K8sObject {
  spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] };
}

export function find<T extends K8sObject>(objects: readonly K8sObject[], kind: string, name: string): T | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name) as T | undefined;
}

export function selects(selector: LabelSelector | Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const matchLabels = selector && 'matchLabels' in selector ? (selector.matchLabels as Record<string, string> | undefined) : (selector as Record<string, string> | undefined);
  return Object.entries(matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/** The same labels, in any order. */
export function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const entries = (labels: Record<string, string> | undefined) => JSON.stringify(Object.entries(labels ?? {}).sort(([x], [y]) => x.localeCompare(y)));
  return entries(a) === entries(b);
}

/** A container port by number or by name. */
export function containerPort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export type SecretValue = (secret: string, key: string) => string;

/**
 * A container's environment as the kubelet assembles it: envFrom ConfigMaps in order, then env (later wins).
 * Secret references get a sample value from `secretValue`, because the repository holds no secret values.
 */
export function containerEnvironment(objects: readonly K8sObject[], namespace: string | undefined, container: Container, secretValue: SecretValue): Record<string, string> {
  const configMap = (name: string) => {
    const found = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === namespace);
    if (found === undefined) throw new Error(`container ${container.name}: ConfigMap ${name} is not part of the manifests`);
    return (found as K8sObject & { data?: Record<string, string> }).data ?? {};
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    if (source.secretRef) throw new Error(`container ${container.name}: envFrom a Secret hides which variables it sets; name them in env`);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef) env[variable.name] = secretValue(variable.valueFrom.secretKeyRef.name, variable.valueFrom.secretKeyRef.key);
    else if (variable.valueFrom?.configMapKeyRef) {
      const value = configMap(variable.valueFrom.configMapKeyRef.name)[variable.valueFrom.configMapKeyRef.key];
      if (value !== undefined) env[variable.name] = value;
    }
  }
  return env;
}

/** Where a file a container reads comes from: a key of a Secret or ConfigMap mounted as a volume (no subPath). */
export interface FileSource {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  /** The volume's file mode (defaultMode), when it sets one. */
  mode?: number;
}

export function mountedFile(spec: PodSpec, container: Container, file: string): FileSource | undefined {
  const mount = container.volumeMounts?.find((m) => m.subPath === undefined && file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  const volume = mount && spec.volumes?.find((v) => v.name === mount.name);
  if (!mount || !volume) return undefined;
  const relative = file.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  // Without items every key is a file of its own name; with items only the listed ones, at their paths.
  const keyAt = (items: KeyToPath[] | undefined) => (items === undefined ? relative : items.find((item) => item.path === relative)?.key);
  const from = (kind: FileSource['kind'], name: string, items: KeyToPath[] | undefined, mode: number | undefined): FileSource | undefined => {
    const key = keyAt(items);
    return key === undefined ? undefined : { kind, name, key, ...(mode === undefined ? {} : { mode }) };
  };
  if (volume.secret) return from('Secret', volume.secret.secretName, volume.secret.items, volume.secret.defaultMode);
  if (volume.configMap) return from('ConfigMap', volume.configMap.name, volume.configMap.items, volume.configMap.defaultMode);
  // A projected volume merges its sources: only listed items say which source a path comes from.
  for (const source of volume.projected?.sources ?? []) {
    const found = source.secret
      ? source.secret.items && from('Secret', source.secret.name, source.secret.items, volume.projected?.defaultMode)
      : source.configMap?.items && from('ConfigMap', source.configMap.name, source.configMap.items, volume.projected?.defaultMode);
    if (found) return found;
  }
  return undefined;
}
