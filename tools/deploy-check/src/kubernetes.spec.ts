import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { loadDeployment, overlayNames, type Deployment } from './deployment.ts';
import { kubernetesProblems } from './kubernetes-schema.ts';
import { byKind, objectId, renderKustomization, type K8sObject } from './kustomize.ts';
import { deployPaths, repoRoot } from './paths.ts';
import { certificateProblems } from './cert-manager-schema.ts';
import { customResourceProblems, operatorSecrets } from './custom-resources.ts';
import { kafkaTopicProblems, kafkaUserProblems } from './strimzi-schema.ts';
import { livenessService } from '@omtobe/platform';
import { selects, type Container, type NetworkPolicy, type PodSpec, type ServiceObject, type Workload } from './workloads.ts';

/**
 * Secrets mounted as files that an operator creates by hand (deploy/README.md, "Secrets to create"), with the keys
 * they hold: the push services' credentials, which no operator in the cluster can make.
 */
const handMadeSecretFiles: Record<string, readonly string[]> = {
  'push-credentials': ['apns-key.p8', 'fcm-service-account.json'],
  // Service tokens (deploy/README.md, "Security"): the gateway's private key; its public key(s) for the callees.
  'gateway-service-key': ['key.pem'],
  'service-public-keys': [],
};
const deployReadme = readFileSync(path.join(repoRoot, 'deploy', 'README.md'), 'utf8');

const kustomizations = {
  base: deployPaths.k8sBase,
  topics: deployPaths.k8sTopics,
  'kafka-users': deployPaths.k8sKafkaUsers,
  ...Object.fromEntries(overlayNames.map((name) => [`overlays/${name}`, path.join(deployPaths.k8sOverlays, name)])),
};

async function schemaProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const custom = customResourceProblems[object.kind];
    const found = custom ? custom(object) : await kubernetesProblems(object);
    problems.push(...found.map((problem) => `${objectId(object)} ${problem}`));
  }
  return problems;
}

describe('Kubernetes manifests against the Kubernetes, Strimzi and cert-manager schemas', () => {
  it.each(Object.entries(kustomizations))('%s renders and every object is valid', async (_name, dir) => {
    const objects = renderKustomization(dir);
    expect(objects.length).toBeGreaterThan(0);
    expect(await schemaProblems(objects)).toEqual([]);
  });

  it('the validators catch a misspelt field, a wrong type and a missing requirement (they are not vacuous)', async () => {
    const [deployment] = byKind<Workload>(renderKustomization(deployPaths.k8sBase), 'Deployment');
    const broken = structuredClone(deployment) as Workload;
    const container = broken.spec.template.spec.containers[0] as Container & Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    (container.ports as unknown as Array<Record<string, unknown>>)[0]!.containerPort = 'eight thousand';
    const problems = await kubernetesProblems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/readinesProbe: unknown field/), expect.stringMatching(/containerPort: must be integer/)]),
    );
    const topic = { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: { name: 'users.v1', labels: {} }, spec: { partition: 12 } };
    expect(kafkaTopicProblems(topic)).toEqual(
      expect.arrayContaining([expect.stringMatching(/strimzi.io\/cluster/), expect.stringMatching(/additional properties \("partition"\)/)]),
    );
    const user = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaUser',
      metadata: { name: 'gateway', labels: { 'strimzi.io/cluster': 'omtobe' } },
      spec: { authentication: { type: 'scram-sha-256' }, authorization: { type: 'simple', acls: [{ resource: { type: 'topic', name: 'users.v1' }, operations: ['Publish'] }] } },
    };
    expect(kafkaUserProblems(user)).toEqual(
      expect.arrayContaining([expect.stringMatching(/authentication\/type: must be equal to one of/), expect.stringMatching(/operations\/0: must be equal to one of/)]),
    );
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'edge-tls' }, spec: { secretName: 'edge-tls', dnsName: ['api.example'] } };
    expect(certificateProblems(certificate)).toEqual(
      expect.arrayContaining([expect.stringMatching(/must have required property 'issuerRef'/), expect.stringMatching(/additional properties \("dnsName"\)/)]),
    );
  });
});

describe.each(overlayNames)('overlays/%s', (overlay) => {
  let objects: K8sObject[];
  let pods: Array<{ owner: string; labels: Record<string, string>; spec: PodSpec }>;
  beforeAll(() => {
    const deployment: Deployment = loadDeployment();
    objects = deployment.overlays[overlay];
    pods = [...byKind<Workload>(objects, 'Deployment'), ...byKind<Workload>(objects, 'Job')].map((workload) => ({
      owner: objectId(workload),
      labels: workload.spec.template.metadata.labels,
      spec: workload.spec.template.spec,
    }));
  });

  // The label is written into each resource (Kustomize v2.0.3 cannot add it to metadata alone), and v2.0.3
  // drops the base's namespace from a ConfigMap an overlay merges into unless told: both fail here.
  it('labels every object and pod app.kubernetes.io/part-of=omtobe and places it in omtobe, or kafka for topics', () => {
    const misplaced = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/part-of'] !== 'omtobe' || o.metadata.namespace !== (o.kind === 'Namespace' ? undefined : o.kind === 'KafkaTopic' ? 'kafka' : 'omtobe'));
    expect(misplaced.map(objectId)).toEqual([]);
    expect(pods.filter((pod) => pod.labels['app.kubernetes.io/part-of'] !== 'omtobe').map((pod) => pod.owner)).toEqual([]);
  });

  it('holds no secret values: Secrets are referenced by name, never defined, and never optionally', () => {
    expect(byKind(objects, 'Secret')).toEqual([]);
    const references = pods.flatMap(({ spec }) => spec.containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : []))));
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      expect(reference.name).toMatch(/^[a-z-]+-secrets$/);
      // An optional key makes the configuration valid or not depending on what someone put in the Secret
      // (a provider's secret without its client id stops integrations): state each environment's keys.
      expect({ ...reference, optional: reference.optional ?? false }).toEqual({ ...reference, optional: false });
    }
  });

  // Mounted Secrets are the ones operators create from resources in these manifests (a KafkaUser's password, a
  // Certificate's key pair), or the copy of Strimzi's cluster CA certificate that deploy/README.md has you make.
  it('mounts only Secrets an operator creates from these manifests, or the cluster CA copy, with the keys they hold', () => {
    const created = operatorSecrets(objects);
    const mounted = pods.flatMap(({ owner, spec }) =>
      (spec.volumes ?? []).flatMap((volume) => [
        ...(volume.secret ? [{ owner, name: volume.secret.secretName, keys: (volume.secret.items ?? []).map((i) => i.key), optional: volume.secret.optional }] : []),
        ...(volume.projected?.sources ?? []).flatMap((s) => (s.secret ? [{ owner, name: s.secret.name, keys: (s.secret.items ?? []).map((i) => i.key), optional: s.secret.optional }] : [])),
      ]),
    );
    expect(mounted.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const { owner, name, keys, optional } of mounted) {
      if (optional) problems.push(`${owner}: Secret ${name} is optional`);
      if (/^[a-z0-9-]+-cluster-ca-cert$/.test(name)) {
        if (keys.join() !== 'ca.crt') problems.push(`${owner}: ${name} holds ca.crt only`);
        continue;
      }
      const handMade = handMadeSecretFiles[name];
      if (handMade !== undefined) {
        for (const key of keys.filter((k) => !handMade.includes(k))) problems.push(`${owner}: ${name} has no documented key ${key}`);
        if (!deployReadme.includes(`\`${name}\``)) problems.push(`${owner}: ${name} is not in deploy/README.md's "Secrets to create"`);
        continue;
      }
      const source = created.find((c) => c.name === name && c.namespace === 'omtobe');
      if (source === undefined) problems.push(`${owner}: Secret ${name} is created by nothing in the manifests`);
      else for (const key of keys.filter((k) => !source.keys.includes(k))) problems.push(`${owner}: ${source.from} creates no key ${key} in ${name}`);
    }
    expect(problems).toEqual([]);
  });

  it('every pod meets the restricted Pod Security Standard, with a read-only root, no service-account token and resources', () => {
    const problems: string[] = [];
    for (const { owner, spec } of pods) {
      const pod = spec.securityContext ?? {};
      if (spec.automountServiceAccountToken !== false) problems.push(`${owner}: automountServiceAccountToken is not false`);
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${owner}: shares a host namespace`);
      if (spec.volumes?.some((v) => v.hostPath !== undefined)) problems.push(`${owner}: mounts a hostPath`);
      if (pod.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${owner}: no RuntimeDefault seccomp profile`);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const sc = c.securityContext ?? {};
        const where = `${owner} container ${c.name}`;
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not set`);
        if ((sc.runAsUser ?? pod.runAsUser ?? 0) === 0) problems.push(`${where}: no non-zero runAsUser (the image's user is not verifiable)`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (sc.privileged) problems.push(`${where}: privileged`);
        if (!sc.capabilities?.drop?.includes('ALL') || (sc.capabilities.add ?? []).length > 0) problems.push(`${where}: capabilities are not dropped`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
        if (!c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory) problems.push(`${where}: no cpu/memory requests or memory limit`);
        if (!c.image || /:latest$|^[^:@]+$/.test(c.image.split('/').at(-1) ?? '')) problems.push(`${where}: image ${c.image} has no pinned tag`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('each service has gRPC health probes on its port, a Service with appProtocol, an HPA and a PDB', () => {
    const workloads = byKind<Workload>(objects, 'Deployment');
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['decision-log', 'envoy', 'gateway', 'integrations', 'state-engine']);
    for (const workload of workloads) {
      const labels = workload.spec.template.metadata.labels;
      const [container] = workload.spec.template.spec.containers;
      const ports = container?.ports?.map((p) => p.containerPort) ?? [];
      if (workload.metadata.labels?.['app.kubernetes.io/component'] === 'service') {
        for (const probe of [container?.readinessProbe, container?.livenessProbe, container?.startupProbe]) {
          expect({ name: workload.metadata.name, grpcPort: probe?.grpc?.port }).toEqual({ name: workload.metadata.name, grpcPort: ports[0] });
        }
        // Readiness asks for the whole process (it follows the database and the consumer); liveness for the
        // part that stays SERVING while the process runs (libs/platform health.ts), so an outage of a
        // dependency takes replicas out of rotation without having Kubernetes kill them.
        expect({ name: workload.metadata.name, readiness: container?.readinessProbe?.grpc?.service ?? '', liveness: container?.livenessProbe?.grpc?.service }).toEqual({
          name: workload.metadata.name,
          readiness: '',
          liveness: livenessService,
        });
      } else {
        expect(container?.readinessProbe).toBeDefined();
        expect(container?.livenessProbe).toBeDefined();
      }
      const services = byKind<ServiceObject>(objects, 'Service').filter((s) => s.spec.selector && selects(s.spec.selector, labels));
      expect(services).toHaveLength(1);
      for (const port of services[0]?.spec.ports ?? []) expect(port.appProtocol).toBeTruthy();
      const hpa = byKind<K8sObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number } }>(objects, 'HorizontalPodAutoscaler').filter(
        (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === workload.metadata.name,
      );
      expect(hpa).toHaveLength(1);
      expect(hpa[0]!.spec.maxReplicas).toBeGreaterThanOrEqual(hpa[0]!.spec.minReplicas);
      const pdbs = byKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget').filter((p) => selects(p.spec.selector, labels));
      expect(pdbs).toHaveLength(1);
    }
  });

  it('denies all traffic by default and has an allow-list for every pod', () => {
    const policies = byKind<NetworkPolicy>(objects, 'NetworkPolicy');
    const denyAll = policies.filter(
      (p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0 && p.spec.policyTypes?.includes('Ingress') && p.spec.policyTypes.includes('Egress') && !p.spec.ingress && !p.spec.egress,
    );
    expect(denyAll).toHaveLength(1);
    for (const { owner, labels } of pods) {
      const allowLists = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0 && selects(p.spec.podSelector, labels));
      expect({ owner, allowLists: allowLists.length }).toEqual({ owner, allowLists: 1 });
    }
  });

  it('migration Jobs run once per service schema with their service image, before the rollout', () => {
    const jobs = byKind<Workload>(objects, 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(['decision-log-migrate', 'gateway-migrate', 'integrations-migrate', 'state-engine-migrate']);
    for (const job of jobs) {
      const service = job.metadata.name.replace(/-migrate$/, '');
      const deployment = byKind<Workload>(objects, 'Deployment').find((d) => d.metadata.name === service);
      const [container] = job.spec.template.spec.containers;
      expect(container?.image).toBe(deployment?.spec.template.spec.containers[0]?.image);
      expect(container?.args).toEqual(['src/migrate.ts']);
      expect(job.metadata.labels?.['app.kubernetes.io/component']).toBe('migration');
      expect((job.spec as unknown as { template: { spec: { restartPolicy: string } } }).template.spec.restartPolicy).toBe('Never');
    }
  });
});

// The staging overlay patches each HPA and topic by name (Kustomize v2.0.3 has no target selectors): a new one
// that the list misses would keep production's size.
describe('overlays/staging sizes', () => {
  it('every HPA scales 1 to 3 and every KafkaTopic has one replica and min.insync.replicas 1', () => {
    const objects = loadDeployment().overlays.staging;
    const hpas = byKind<K8sObject & { spec: { minReplicas: number; maxReplicas: number } }>(objects, 'HorizontalPodAutoscaler');
    const topics = byKind<K8sObject & { spec: { replicas: number; config: Record<string, unknown> } }>(objects, 'KafkaTopic');
    expect(hpas.length).toBeGreaterThan(0);
    expect(topics.length).toBeGreaterThan(0);
    for (const hpa of hpas) expect({ hpa: hpa.metadata.name, min: hpa.spec.minReplicas, max: hpa.spec.maxReplicas }).toEqual({ hpa: hpa.metadata.name, min: 1, max: 3 });
    for (const topic of topics) {
      expect({ topic: topic.metadata.name, replicas: topic.spec.replicas, minIsr: topic.spec.config['min.insync.replicas'] }).toEqual({ topic: topic.metadata.name, replicas: 1, minIsr: 1 });
    }
  });
});
