// The network policies' shape (deploy/README.md, "Security"): pods selected by more than one label, and egress to
// named destinations only — the database on the private ranges, the brokers, the collector, the gateway's peers,
// and HTTPS on the internet only for the services that need it.
import { describe, expect, it } from '@jest/globals';
import { loadDeployment, overlayNames } from './deployment.ts';
import { byKind } from './kustomize.ts';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule } from './workloads.ts';

const privateRanges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
/** The services that call HTTPS on the internet, and why: the rest never leave the cluster and the VPC. */
const internetHttps: Record<string, string> = { gateway: 'the identity provider’s JWKS', integrations: 'WHOOP, Google, Microsoft, APNs, FCM' };

/** An IPv4 CIDR inside one of the private ranges. */
function isPrivate(cidr: string): boolean {
  const [address, bits] = cidr.split('/') as [string, string];
  const value = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  return privateRanges.some((range) => {
    const [base, rangeBits] = range.split('/') as [string, string];
    const size = 2 ** (32 - Number(rangeBits));
    return Number(bits) >= Number(rangeBits) && Math.floor(value(address) / size) === Math.floor(value(base) / size);
  });
}

type Destination = 'database' | 'kafka' | 'telemetry' | 'internet-https' | 'omtobe-pod' | 'dns' | 'unnamed';

function destination(rule: NetworkPolicyRule): Destination {
  const to: NetworkPolicyPeer[] = rule.to ?? [];
  const ports = (rule.ports ?? []).map((p) => p.port);
  if (to.length === 0) return 'unnamed';
  if (to.every((peer) => peer.ipBlock && !peer.ipBlock.except && isPrivate(peer.ipBlock.cidr)) && ports.join() === '5432') return 'database';
  if (to.every((peer) => peer.ipBlock?.cidr === '0.0.0.0/0' && privateRanges.every((r) => peer.ipBlock?.except?.includes(r))) && ports.join() === '443') return 'internet-https';
  const namespace = (peer: NetworkPolicyPeer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (to.every((peer) => namespace(peer) === 'kafka' && peer.podSelector?.matchLabels?.['strimzi.io/cluster'])) return 'kafka';
  if (to.every((peer) => namespace(peer) === 'observability')) return 'telemetry';
  if (to.every((peer) => namespace(peer) === 'kube-system' && ports.every((p) => p === 53))) return 'dns';
  if (to.every((peer) => !peer.namespaceSelector && !peer.ipBlock && peer.podSelector?.matchLabels?.['app.kubernetes.io/part-of'] === 'omtobe')) return 'omtobe-pod';
  return 'unnamed';
}

describe.each(overlayNames)('the %s overlay’s network policies', (overlay) => {
  const policies = byKind<NetworkPolicy>(loadDeployment().overlays[overlay], 'NetworkPolicy');
  const allowLists = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);

  it('select pods, and admit pods, by more than one label (one label copied onto a stray pod admits nothing)', () => {
    expect(allowLists.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const policy of allowLists) {
      if (Object.keys(policy.spec.podSelector.matchLabels ?? {}).length < 2) problems.push(`${policy.metadata.name}: selects its pods by one label`);
      for (const rule of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])]) {
        for (const peer of [...(rule.from ?? []), ...(rule.to ?? [])]) {
          if (peer.podSelector && !peer.namespaceSelector && Object.keys(peer.podSelector.matchLabels ?? {}).length < 2) {
            problems.push(`${policy.metadata.name}: a rule names pods by one label`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('let every egress rule name where it goes: the database on private addresses, the brokers, the collector, peers, HTTPS on the internet where needed', () => {
    const problems: string[] = [];
    for (const policy of policies) {
      for (const rule of policy.spec.egress ?? []) {
        const kind = destination(rule);
        if (kind === 'unnamed') problems.push(`${policy.metadata.name}: an egress rule to ${JSON.stringify(rule.to ?? 'anywhere')} on ${JSON.stringify(rule.ports)}`);
        if (kind === 'internet-https' && internetHttps[policy.metadata.name] === undefined) problems.push(`${policy.metadata.name}: HTTPS to the internet, which it does not need`);
        if (kind === 'omtobe-pod' && !['gateway', 'envoy'].includes(policy.metadata.name)) problems.push(`${policy.metadata.name}: reaches other Omtobe pods, which only Envoy and the gateway call`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('let every service reach its database and the brokers', () => {
    for (const name of ['gateway', 'state-engine', 'decision-log', 'integrations']) {
      const kinds = (policies.find((p) => p.metadata.name === name)?.spec.egress ?? []).map(destination);
      expect({ name, database: kinds.includes('database'), kafka: kinds.includes('kafka') }).toEqual({ name, database: true, kafka: true });
    }
  });

  it('catch an egress rule open to any address (the check is not vacuous)', () => {
    expect(destination({ ports: [{ port: 5432, protocol: 'TCP' }] })).toBe('unnamed');
    expect(destination({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 5432, protocol: 'TCP' }] })).toBe('unnamed');
    expect(destination({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] })).toBe('database');
    expect(destination({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }], ports: [{ port: 50051 }] })).toBe('unnamed');
  });
});
