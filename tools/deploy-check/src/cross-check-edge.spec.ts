// The edge and the infrastructure against the same contracts: Envoy's upstream and listener, the Kafka topics of
// libs/events/src/topics.ts, the collector and the database, as compose and the overlays wire them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { allTopics, topicNamesToCreate } from '@omtobe/events';
import { loadCrossCheck, msPerHour, overlayNames, type CrossCheck } from './cross-check-fixture.ts';
import { appConnectionManager, clusterEndpoints, edgeListeners, matchRoute, routesOf } from './envoy-config.ts';
import { byKind, type K8sObject } from './kustomize.ts';
import { deployPaths, repoRoot } from './paths.ts';
import { find, type NetworkPolicy, type ServiceObject } from './workloads.ts';

let ctx: CrossCheck;
beforeAll(async () => {
  ctx = await loadCrossCheck();
});

describe('Envoy and the gateway agree', () => {
  const envoyGateway = () => {
    const cluster = ctx.deployment.envoy.static_resources.clusters.find((c) => c.name === 'gateway');
    const [endpoint] = cluster ? clusterEndpoints(cluster) : [];
    if (!endpoint) throw new Error('envoy.yaml has no gateway endpoint');
    return endpoint;
  };
  // The app's TLS listener first, then the plain one that redirects: the order of the container ports and the Service ports.
  const listenerPorts = () => {
    const { tls, plain } = edgeListeners(ctx.deployment.envoy);
    return [...tls, ...plain].map((l) => l.address.socket_address.port_value);
  };
  const listenerPort = () => listenerPorts()[0];

  it('compose: Envoy’s upstream is the gateway service on its PORT; Envoy’s TLS listener is published; the file is mounted', () => {
    const { address, port_value } = envoyGateway();
    expect(address).toBe('gateway');
    expect(port_value).toBe(Number(ctx.composeEnv('gateway').PORT));
    const envoy = ctx.composeService('envoy');
    expect(envoy.ports?.map((p) => (typeof p === 'string' ? Number(p.split(':').at(-1)) : p.target))).toEqual([listenerPort()]);
    const configPath = (envoy.command as string[])[(envoy.command as string[]).indexOf('--config-path') + 1];
    expect(envoy.volumes).toContain(`./${path.relative(repoRoot, deployPaths.envoy)}:${configPath}:ro`);
  });

  it.each(overlayNames)('the %s overlay: a headless gateway Service on the container port, Envoy’s file as its ConfigMap, listener ports wired through', (overlay) => {
    const { objects, workload, serviceTarget } = ctx.k8s(overlay);
    const { address, port_value } = envoyGateway();
    const gatewayService = find<ServiceObject>(objects, 'Service', address);
    // Envoy connects to each pod address the name resolves to, so the Service port must be the pod port.
    expect(gatewayService?.spec.clusterIP).toBe('None');
    expect(serviceTarget(address, port_value)).toBe(port_value);
    const envoy = workload('Deployment', 'envoy');
    expect(envoy.container.ports?.map((p) => p.containerPort)).toEqual(listenerPorts());
    const envoyService = find<ServiceObject>(objects, 'Service', 'envoy');
    expect(envoyService?.spec.ports.map((p) => serviceTarget('envoy', p.port))).toEqual(listenerPorts());
    const policies = byKind<NetworkPolicy>(objects, 'NetworkPolicy');
    expect(policies.find((p) => p.metadata.name === 'envoy')?.spec.ingress?.flatMap((r) => r.ports?.map((p) => p.port))).toEqual(listenerPorts());
    expect(policies.find((p) => p.metadata.name === 'gateway')?.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: envoy.object.spec.template.metadata.labels } }], ports: [{ port: port_value, protocol: 'TCP' }] },
    ]);
    const args = envoy.container.args ?? [];
    const configPath = args[args.indexOf('--config-path') + 1] ?? '';
    const volumeName = envoy.container.volumeMounts?.find((m) => m.mountPath === path.dirname(configPath))?.name;
    const configMapName = envoy.object.spec.template.spec.volumes?.find((v) => v.name === volumeName)?.configMap?.name ?? '';
    const configMap = find<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap', configMapName);
    expect(configMap?.data[path.basename(configPath)]).toBe(readFileSync(deployPaths.envoy, 'utf8'));
  });

  it('CORS is answered by Envoy alone: the gateway is given no CORS_ORIGINS', () => {
    expect(ctx.composeEnv('gateway').CORS_ORIGINS).toBeUndefined();
    for (const overlay of overlayNames) expect(ctx.k8s(overlay).env('Deployment', 'gateway').CORS_ORIGINS).toBeUndefined();
  });

  it.each(overlayNames)('the %s overlay: OAuth redirect and webhook URLs are routes Envoy forwards to the gateway', (overlay) => {
    const env = ctx.k8s(overlay).env('Deployment', 'integrations');
    const hcm = appConnectionManager(ctx.deployment.envoy);
    // The gateway's provider names (services/gateway/src/rest/routes/providers.ts): WHOOP → whoop, GOOGLE → google-calendar, MICROSOFT → microsoft.
    const expected: Record<string, { method: string; path: RegExp }> = {
      WHOOP_REDIRECT_URI: { method: 'GET', path: /^\/api\/v1\/providers\/whoop\/callback$/ },
      GOOGLE_REDIRECT_URI: { method: 'GET', path: /^\/api\/v1\/providers\/google-calendar\/callback$/ },
      GOOGLE_WEBHOOK_URL: { method: 'POST', path: /^\/api\/v1\/webhooks\/google-calendar$/ },
      MICROSOFT_REDIRECT_URI: { method: 'GET', path: /^\/api\/v1\/providers\/microsoft\/callback$/ },
      MICROSOFT_WEBHOOK_URL: { method: 'POST', path: /^\/api\/v1\/webhooks\/microsoft$/ },
    };
    for (const [key, { method, path: shape }] of Object.entries(expected)) {
      if (env[key] === undefined) continue;
      const url = new URL(env[key]);
      expect({ key, path: url.pathname }).toEqual({ key, path: expect.stringMatching(shape) });
      expect({ key, cluster: matchRoute(routesOf(hcm), { method, path: url.pathname })?.route?.cluster }).toEqual({ key, cluster: 'gateway' });
    }
  });
});

describe('Kafka topics match libs/events/src/topics.ts', () => {
  const declared = () => topicNamesToCreate('');
  const retentionMs = new Map(allTopics.map((t) => [t.name, t.retentionHours * msPerHour]));

  it('no deployment sets KAFKA_TOPIC_PREFIX (the declared topics carry no prefix)', () => {
    for (const name of ctx.services.map((s) => s.name)) {
      expect(ctx.composeEnv(name).KAFKA_TOPIC_PREFIX ?? '').toBe('');
      for (const overlay of overlayNames) expect(ctx.k8s(overlay).env('Deployment', name).KAFKA_TOPIC_PREFIX ?? '').toBe('');
    }
  });

  it.each(overlayNames)('the %s overlay declares every topic and dead-letter topic, with topics.ts partitions and retention', (overlay) => {
    const kafkaTopics = byKind<K8sObject & { spec: { partitions: number; config: Record<string, number | string> } }>(ctx.k8s(overlay).objects, 'KafkaTopic');
    expect(kafkaTopics.map((t) => ({ name: t.metadata.name, partitions: t.spec.partitions })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [...declared()].sort((a, b) => a.name.localeCompare(b.name)),
    );
    for (const topic of kafkaTopics) {
      const main = retentionMs.get(topic.metadata.name);
      const retention = Number(topic.spec.config['retention.ms']);
      if (main !== undefined) expect({ topic: topic.metadata.name, retention }).toEqual({ topic: topic.metadata.name, retention: main });
      else expect(retention).toBeGreaterThanOrEqual(retentionMs.get(topic.metadata.name.replace(/\.dlq$/, '')) ?? Number.POSITIVE_INFINITY);
    }
  });

  it.each(overlayNames)('the %s overlay: topics live where KAFKA_BROKERS points, under the cluster label the broker name implies', (overlay) => {
    const brokers = ctx.k8s(overlay).env('Deployment', 'state-engine').KAFKA_BROKERS ?? '';
    // Strimzi's bootstrap Service is <cluster>-kafka-bootstrap.<namespace>.svc.
    const match = /^([a-z0-9-]+)-kafka-bootstrap\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)$/.exec(brokers.split(',')[0] ?? '');
    expect(match).not.toBeNull();
    const [, cluster, namespace, port] = match as RegExpExecArray;
    for (const topic of byKind(ctx.k8s(overlay).objects, 'KafkaTopic')) {
      expect({ namespace: topic.metadata.namespace, cluster: topic.metadata.labels?.['strimzi.io/cluster'] }).toEqual({ namespace, cluster });
    }
    for (const name of ctx.services.map((s) => s.name)) {
      const egress = byKind<NetworkPolicy>(ctx.k8s(overlay).objects, 'NetworkPolicy').find((p) => p.metadata.name === name)?.spec.egress ?? [];
      const kafka = egress.find((rule) => rule.to?.some((to) => to.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace));
      expect({ name, ports: kafka?.ports?.map((p) => p.port) }).toEqual({ name, ports: [Number(port)] });
    }
  });

  it('compose creates the same topics, partitions and retention as the production overlay', () => {
    const script = (ctx.composeService('kafka-topics').command as string[]).join('\n');
    const created = [...script.matchAll(/^\s*create (\S+) (\d+) (\d+)\s*$/gm)].map(([, name, partitions, retention]) => ({ name, partitions: Number(partitions), retention: Number(retention) }));
    const production = byKind<K8sObject & { spec: { partitions: number; config: Record<string, number | string> } }>(ctx.k8s('production').objects, 'KafkaTopic').map((t) => ({
      name: t.metadata.name,
      partitions: t.spec.partitions,
      retention: Number(t.spec.config['retention.ms']),
    }));
    const byName = (a: { name?: string }, b: { name?: string }) => (a.name ?? '').localeCompare(b.name ?? '');
    expect(created.sort(byName)).toEqual(production.sort(byName));
  });

  it.each(overlayNames)('the %s overlay never scales a consumer past the partitions it shares', (overlay) => {
    const partitions = Math.min(...allTopics.map((t) => t.partitions));
    for (const name of ['state-engine', 'decision-log', 'integrations']) {
      const hpa = byKind<K8sObject & { spec: { scaleTargetRef: { name: string }; maxReplicas: number } }>(ctx.k8s(overlay).objects, 'HorizontalPodAutoscaler').find(
        (h) => h.spec.scaleTargetRef.name === name,
      );
      expect(hpa?.spec.maxReplicas).toBeLessThanOrEqual(partitions);
    }
  });
});

describe('telemetry and the database are reachable', () => {
  it.each(overlayNames)('the %s overlay: every service may send OTLP to the collector and reach PostgreSQL', (overlay) => {
    const { objects, env } = ctx.k8s(overlay);
    for (const name of ctx.services.map((s) => s.name)) {
      const endpoint = new URL(env('Deployment', name).OTEL_EXPORTER_OTLP_ENDPOINT ?? '');
      const namespace = endpoint.hostname.split('.')[1];
      const egress = byKind<NetworkPolicy>(objects, 'NetworkPolicy').find((p) => p.metadata.name === name)?.spec.egress ?? [];
      const otel = egress.find((rule) => rule.to?.some((to) => to.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace));
      expect({ name, ports: otel?.ports?.map((p) => p.port) }).toEqual({ name, ports: [Number(endpoint.port)] });
      const database = new URL(env('Deployment', name).DATABASE_URL ?? '');
      expect(egress.some((rule) => rule.ports?.some((p) => p.port === Number(database.port || 5432)))).toBe(true);
    }
  });

  it('compose: OTEL_EXPORTER_OTLP_ENDPOINT names the collector service', () => {
    for (const name of ctx.services.map((s) => s.name)) {
      expect(new URL(ctx.composeEnv(name).OTEL_EXPORTER_OTLP_ENDPOINT ?? '').hostname).toBe('otel-collector');
    }
    expect(ctx.composeService('otel-collector')).toBeDefined();
  });
});
