// One contract, four places: each service's config schema on one side; compose and the Kubernetes overlays on
// the other. A renamed variable or a moved port fails here, not in a cluster.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { composeEnvironment } from './compose.ts';
import { loadCrossCheck, overlayNames, type CrossCheck } from './cross-check-fixture.ts';
import { execForm } from './dockerfile.ts';
import { byKind } from './kustomize.ts';
import { repoRoot } from './paths.ts';
import { heapNodeOptions, services as devStackServices } from '@omtobe/dev-stack';
import { configProblems, serviceNames, unknownVariables } from './services.ts';
import { find, sameLabels, type NetworkPolicy, type ServiceObject } from './workloads.ts';

let ctx: CrossCheck;

/** A Kubernetes memory quantity in MiB ('384Mi', '1Gi'); NaN for other forms. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  return match ? Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1) : Number.NaN;
}
beforeAll(async () => {
  ctx = await loadCrossCheck();
});

describe('the environment checks', () => {
  it('catch a variable renamed on one side and a required one left out (they are not vacuous)', () => {
    const { STATE_ENGINE_URL, DATABASE_URL: _dropped, ...rest } = ctx.composeEnv('gateway');
    const renamed = { ...rest, STATE_ENGINE_ADDR: STATE_ENGINE_URL ?? '' };
    expect(unknownVariables(ctx.service('gateway'), renamed)).toEqual(['STATE_ENGINE_ADDR']);
    expect(configProblems(ctx.service('gateway'), renamed)).toEqual(['DATABASE_URL: is required']);
  });
});

describe.each(serviceNames)('%s', (name) => {
  it('is named the same everywhere: folder, SERVICE_NAME, compose service, Deployment, image', () => {
    expect(ctx.service(name).defaultServiceName).toBe(name);
    expect(ctx.composeService(name).build?.args?.SERVICE).toBe(name);
    expect(ctx.composeService(name).image).toMatch(new RegExp(`/${name}:`));
    for (const overlay of overlayNames) expect(ctx.k8s(overlay).workload('Deployment', name).container.image).toMatch(new RegExp(`/${name}:`));
  });

  it('compose gives it an environment its own config validation accepts, with no variable it does not read', () => {
    const env = ctx.composeEnv(name);
    expect(unknownVariables(ctx.service(name), env)).toEqual([]);
    expect(configProblems(ctx.service(name), env)).toEqual([]);
  });

  it.each(overlayNames)('the %s overlay gives it an environment its own config validation accepts, with no variable it does not read', (overlay) => {
    const env = ctx.k8s(overlay).env('Deployment', name);
    expect(unknownVariables(ctx.service(name), env)).toEqual([]);
    expect(configProblems(ctx.service(name), env)).toEqual([]);
    expect(env.OMTOBE_MODE ?? (env.NODE_ENV === 'production' ? 'production' : 'development')).toBe('production');
    expect(env.MIGRATE_ON_START).toBe('false'); // the Job migrates
  });

  it('listens on one port that compose, the probes, the Service and the network policy all use', () => {
    const port = ctx.service(name).defaultPort;
    expect(Number(ctx.composeEnv(name).PORT ?? port)).toBe(port);
    for (const overlay of overlayNames) {
      const { objects, workload, env, serviceTarget } = ctx.k8s(overlay);
      const { container } = workload('Deployment', name);
      expect(Number(env('Deployment', name).PORT ?? port)).toBe(port);
      expect(container.ports?.map((p) => p.containerPort)).toEqual([port]);
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) expect(probe?.grpc?.port).toBe(port);
      const svc = find<ServiceObject>(objects, 'Service', name);
      expect(svc?.spec.ports.map((p) => serviceTarget(name, p.port))).toEqual([port]);
      const policy = byKind<NetworkPolicy>(objects, 'NetworkPolicy').find((p) => p.metadata.name === name);
      expect(policy?.spec.ingress?.flatMap((rule) => rule.ports?.map((p) => p.port))).toEqual([port]);
    }
  });

  it('is migrated by its own migrate.ts, from the same image, before it starts', () => {
    const workdir = ctx.deployment.runtimeStage.instructions.find((i) => i.keyword === 'WORKDIR')?.args.replace('${SERVICE}', name) ?? '';
    const inImage = (file: string) => existsSync(path.join(repoRoot, path.relative('/app', workdir), file));
    expect(execForm(ctx.deployment.runtimeStage.instructions.find((i) => i.keyword === 'CMD'))?.every(inImage)).toBe(true);
    const migrate = ctx.composeService(`${name}-migrate`);
    expect(migrate.image).toBe(ctx.composeService(name).image);
    expect(Array.isArray(migrate.command) && migrate.command.every(inImage)).toBe(true);
    expect(migrate.restart).toBe('no');
    expect(composeEnvironment(migrate).DATABASE_URL).toBe(ctx.composeEnv(name).DATABASE_URL);
    expect((ctx.composeService(name).depends_on as Record<string, { condition: string }>)[`${name}-migrate`]?.condition).toBe('service_completed_successfully');
    for (const overlay of overlayNames) {
      const { workload, env } = ctx.k8s(overlay);
      const job = workload('Job', `${name}-migrate`);
      expect(job.container.image).toBe(workload('Deployment', name).container.image);
      expect(job.container.args?.every(inImage)).toBe(true);
      expect(env('Job', `${name}-migrate`).DATABASE_URL).toMatch(/^postgres:\/\//);
    }
  });

  it('sizes its V8 heap as `npm start` does, in compose and every overlay, well inside its memory limit', () => {
    const spec = devStackServices.find((s) => s.name === name)!;
    expect(ctx.composeEnv(name).NODE_OPTIONS).toBe(heapNodeOptions(spec));
    for (const overlay of overlayNames) {
      const { workload, env } = ctx.k8s(overlay);
      expect(env('Deployment', name).NODE_OPTIONS).toBe(heapNodeOptions(spec));
      // Beside the old space: the young generation (16 MB), code and Node.js itself (~100 MB measured idle).
      const limit = workload('Deployment', name).container.resources?.limits?.memory ?? '';
      expect({ limit, mebibytes: mebibytes(limit) }).toEqual({ limit, mebibytes: expect.any(Number) });
      expect(mebibytes(limit)).toBeGreaterThanOrEqual(spec.heapMb + 160);
    }
  });

  it('has time to drain on SIGTERM: grace periods cover preStop and SHUTDOWN_TIMEOUT_MS', () => {
    for (const overlay of overlayNames) {
      const { workload, env } = ctx.k8s(overlay);
      const { object, container } = workload('Deployment', name);
      const shutdownSeconds = Number(env('Deployment', name).SHUTDOWN_TIMEOUT_MS ?? ctx.service(name).schema.shape.SHUTDOWN_TIMEOUT_MS?.safeParse(undefined).data) / 1000;
      const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(object.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + shutdownSeconds + 10);
    }
    const composeGrace = Number(/^(\d+)s$/.exec(ctx.composeService(name).stop_grace_period ?? '10s')?.[1]);
    expect(composeGrace).toBeGreaterThanOrEqual(Number(ctx.composeEnv(name).SHUTDOWN_TIMEOUT_MS ?? 10_000) / 1000 + 10);
  });
});

describe('the gateway reaches the services where they listen', () => {
  // Peer URL variables are those whose default points at a local port: each must be set to the peer's name.
  const peerVariables = () =>
    Object.keys(ctx.service('gateway').schema.shape).flatMap((key) => {
      const fallback = ctx.service('gateway').schema.shape[key]?.safeParse(undefined).data;
      const url = typeof fallback === 'string' && /^https?:\/\/127\.0\.0\.1:\d+$/.test(fallback) ? new URL(fallback) : undefined;
      const peer = url && ctx.services.find((s) => s.defaultPort === Number(url.port));
      return peer ? [{ key, peer }] : [];
    });

  it('finds a peer URL variable for each other service', () => {
    expect(peerVariables().map((v) => v.peer.name).sort()).toEqual(['decision-log', 'integrations', 'state-engine']);
  });

  it('in compose: each URL names the peer’s compose service and its PORT', () => {
    for (const { key, peer } of peerVariables()) {
      const url = new URL(ctx.composeEnv('gateway')[key] ?? '');
      expect({ key, host: url.hostname, port: Number(url.port) }).toEqual({ key, host: peer.name, port: Number(ctx.composeEnv(peer.name).PORT ?? peer.defaultPort) });
    }
  });

  it.each(overlayNames)('in the %s overlay: each URL names the peer’s Service, whose port leads to the peer’s container port', (overlay) => {
    const { env, serviceTarget } = ctx.k8s(overlay);
    for (const { key, peer } of peerVariables()) {
      const url = new URL(env('Deployment', 'gateway')[key] ?? '');
      expect({ key, host: url.hostname, target: serviceTarget(url.hostname, Number(url.port)) }).toEqual({ key, host: peer.name, target: peer.defaultPort });
    }
  });

  it.each(overlayNames)('in the %s overlay: network policies let the gateway, and only the gateway, reach each peer port', (overlay) => {
    const { objects, workload } = ctx.k8s(overlay);
    const policies = byKind<NetworkPolicy>(objects, 'NetworkPolicy');
    const gatewayEgress = policies.find((p) => p.metadata.name === 'gateway')?.spec.egress ?? [];
    // By the gateway pods' whole label set (name, component, part-of), not by one label a stray pod could copy.
    const gatewayPods = { matchLabels: workload('Deployment', 'gateway').object.spec.template.metadata.labels };
    for (const { peer } of peerVariables()) {
      const peerPolicy = policies.find((p) => p.metadata.name === peer.name);
      expect(peerPolicy?.spec.ingress).toEqual([{ from: [{ podSelector: gatewayPods }], ports: [{ port: peer.defaultPort, protocol: 'TCP' }] }]);
      const peerPods = workload('Deployment', peer.name).object.spec.template.metadata.labels;
      const egress = gatewayEgress.find((rule) => rule.to?.some((to) => to.podSelector !== undefined && sameLabels(to.podSelector.matchLabels, peerPods)));
      expect(egress?.ports?.map((p) => p.port)).toEqual([peer.defaultPort]);
    }
  });
});

