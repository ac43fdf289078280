// TLS at the edge: Envoy's two listeners, the certificate's way in (file-based SDS from a cert-manager Secret in
// Kubernetes, a self-signed pair under compose), HSTS, the redirect, ALPN, and the client address the gateway's
// per-address limits see. What deploy/README.md's "Security" section promises, held here.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadCrossCheck, overlayNames, type CrossCheck } from './cross-check-fixture.ts';
import { loadEnvoyApi } from './envoy-api.ts';
import { appConnectionManager, downstreamTls, edgeListeners, httpConnectionManagers, routesOf, type EnvoyBootstrap, type SdsFile } from './envoy-config.ts';
import { byKind, type K8sObject } from './kustomize.ts';
import { deployPaths, repoRoot } from './paths.ts';
import { find, mountedFile, type ServiceObject } from './workloads.ts';

let ctx: CrossCheck;
beforeAll(async () => {
  ctx = await loadCrossCheck();
});

/** Problems of Envoy's TLS setup: the app listener's context, its SDS file, HSTS and the redirect listener. */
function tlsProblems(config: EnvoyBootstrap, sds: SdsFile): string[] {
  const problems: string[] = [];
  const { tls, plain } = edgeListeners(config);
  if (tls.length !== 1) return [`${tls.length} TLS listeners, expected the app's one`];
  const context = downstreamTls(tls[0]!)?.common_tls_context ?? {};
  if (JSON.stringify(context.alpn_protocols) !== JSON.stringify(['h2', 'http/1.1'])) problems.push(`ALPN ${JSON.stringify(context.alpn_protocols)}: gRPC needs h2 offered (first), browsers http/1.1`);
  if (!['TLSv1_2', 'TLSv1_3'].includes(context.tls_params?.tls_minimum_protocol_version ?? '')) problems.push('no minimum TLS version of 1.2 or later');
  if (context.tls_certificates !== undefined) problems.push('an inline certificate: Envoy would not reload a renewed one');
  const sdsConfigs = context.tls_certificate_sds_secret_configs ?? [];
  const source = sdsConfigs[0]?.sds_config?.path_config_source;
  if (sdsConfigs.length !== 1 || source === undefined) problems.push('the certificate does not come from one file-based SDS source');
  else if (source.watched_directory?.path !== path.dirname(source.path)) problems.push(`SDS file ${source.path} without its directory watched (a ConfigMap update swaps a symlink there)`);
  const secret = sds.resources.find((r) => r.name === sdsConfigs[0]?.name);
  const files = [secret?.tls_certificate?.certificate_chain?.filename, secret?.tls_certificate?.private_key?.filename];
  if (secret === undefined) problems.push(`the SDS file has no secret named ${sdsConfigs[0]?.name}`);
  else if (files.some((f) => f === undefined || path.dirname(f) !== secret.tls_certificate?.watched_directory?.path)) {
    problems.push('certificate and key are not files of the watched directory (a Secret update swaps a symlink there)');
  }
  const hsts = appConnectionManager(config).route_config.response_headers_to_add?.find((h) => h.header.key.toLowerCase() === 'strict-transport-security');
  const maxAge = Number(/max-age=(\d+)/.exec(hsts?.header.value ?? '')?.[1] ?? 0);
  if (maxAge < 31_536_000) problems.push(`HSTS max-age ${maxAge}: under a year`);
  for (const listener of plain) {
    const hcms = httpConnectionManagers({ ...config, static_resources: { ...config.static_resources, listeners: [listener] } });
    for (const { hcm } of hcms) {
      if (routesOf(hcm).some((r) => r.redirect?.https_redirect !== true)) problems.push(`plain listener ${listener.name}: a route that does not redirect to https`);
      if (hcm.http_filters.some((f) => f.name !== 'envoy.filters.http.router')) problems.push(`plain listener ${listener.name}: filters beyond the router`);
    }
    if (hcms.length === 0) problems.push(`plain listener ${listener.name}: not HTTP`);
  }
  return problems;
}

describe('Envoy terminates TLS', () => {
  const config = () => ctx.deployment.envoy;
  const sds = () => ctx.deployment.envoyCertificateSds;

  it('the SDS file conforms to Envoy’s API (a DiscoveryResponse of Secret resources), and a misspelt field fails', () => {
    const api = loadEnvoyApi();
    expect(api.problems(sds(), 'envoy.service.discovery.v3.DiscoveryResponse')).toEqual([]);
    const broken = structuredClone(sds()) as unknown as { resources: Array<{ tls_certificate: Record<string, unknown> }> };
    broken.resources[0]!.tls_certificate.certificate_chian = broken.resources[0]!.tls_certificate.certificate_chain;
    expect(api.problems(broken, 'envoy.service.discovery.v3.DiscoveryResponse')).toEqual([expect.stringMatching(/tls_certificate\/certificate_chian: unknown field/)]);
  });

  it('serves the app over TLS 1.2+ with ALPN h2 and http/1.1, a certificate reloaded from watched files, HSTS for a year; plain HTTP only redirects', () => {
    expect(tlsProblems(config(), sds())).toEqual([]);
  });

  it('the check catches an inline certificate, a missing ALPN h2, no HSTS, a forwarding plain listener, an unwatched SDS file (it is not vacuous)', () => {
    const broken = structuredClone(config());
    const [app] = edgeListeners(broken).tls;
    const context = downstreamTls(app!)!.common_tls_context!;
    context.alpn_protocols = ['http/1.1'];
    context.tls_certificates = [{ certificate_chain: { filename: '/etc/envoy-tls/tls.crt' } }];
    delete context.tls_certificate_sds_secret_configs![0]!.sds_config!.path_config_source!.watched_directory;
    appConnectionManager(broken).route_config.response_headers_to_add = [];
    const [redirect] = edgeListeners(broken).plain;
    const plainHcm = redirect!.filter_chains[0]!.filters[0]!.typed_config as unknown as { route_config: { virtual_hosts: Array<{ routes: unknown[] }> } };
    plainHcm.route_config.virtual_hosts[0]!.routes.unshift({ match: { prefix: '/api/' }, route: { cluster: 'gateway' } });
    const brokenSds = structuredClone(sds());
    brokenSds.resources[0]!.tls_certificate!.private_key = { filename: '/tmp/tls.key' };
    expect(tlsProblems(broken, brokenSds)).toEqual([
      'ALPN ["http/1.1"]: gRPC needs h2 offered (first), browsers http/1.1',
      'an inline certificate: Envoy would not reload a renewed one',
      'SDS file /etc/envoy/edge-certificate-sds.yaml without its directory watched (a ConfigMap update swaps a symlink there)',
      'certificate and key are not files of the watched directory (a Secret update swaps a symlink there)',
      'HSTS max-age 0: under a year',
      'plain listener redirect: a route that does not redirect to https',
    ]);
  });

  // TLS ends at Envoy, so nothing in front can add X-Forwarded-For: the address is the TCP peer's, which the
  // production load balancer keeps (externalTrafficPolicy Local, below). A client's own header is never trusted.
  it('gives the gateway the client address as the TCP peer’s, overwriting any X-Forwarded-For a client sends', () => {
    for (const { listener, hcm } of httpConnectionManagers(config())) {
      expect({ listener: listener.name, remote: hcm.use_remote_address, hops: hcm.xff_num_trusted_hops ?? 0 }).toEqual({ listener: listener.name, remote: true, hops: 0 });
      // The PROXY protocol is the documented alternative; it needs the load balancer to send it (deploy/README.md).
      expect({ listener: listener.name, filters: (listener.listener_filters ?? []).map((f) => f.name) }).toEqual({ listener: listener.name, filters: [] });
    }
    const forwarded = appConnectionManager(config()).route_config.virtual_hosts.map((host) => host.request_headers_to_add?.find((h) => h.header.key === 'x-forwarded-for'));
    for (const header of forwarded) expect(header).toEqual({ header: { key: 'x-forwarded-for', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
  });

  it('keeps long-lived streams open on the TLS listener (stream idle timeout, HTTP/2 keepalive to the gateway)', () => {
    const hcm = appConnectionManager(config());
    expect(hcm.stream_idle_timeout).toBe('300s');
    const upstream = config().static_resources.clusters.find((c) => c.name === 'gateway')?.typed_extension_protocol_options?.['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    expect(upstream?.explicit_http_config?.http2_protocol_options).toMatchObject({ connection_keepalive: { interval: expect.any(String), timeout: expect.any(String) } });
  });
});

describe.each(overlayNames)('overlays/%s: the edge certificate', (overlay) => {
  const view = () => ctx.k8s(overlay);
  const sdsSource = () => downstreamTls(edgeListeners(ctx.deployment.envoy).tls[0]!)!.common_tls_context!.tls_certificate_sds_secret_configs![0]!.sds_config!.path_config_source!;

  it('Envoy reads the SDS file from its ConfigMap, and the certificate and key from a Secret mounted where Envoy watches', () => {
    const { object, container } = view().workload('Deployment', 'envoy');
    const spec = object.spec.template.spec;
    const sdsFile = mountedFile(spec, container, sdsSource().path);
    expect(sdsFile).toMatchObject({ kind: 'ConfigMap', key: path.basename(deployPaths.envoyCertificateSds) });
    const configMap = find<K8sObject & { data: Record<string, string> }>(view().objects, 'ConfigMap', sdsFile?.name ?? '');
    expect(configMap?.data[sdsFile?.key ?? '']).toBe(readFileSync(deployPaths.envoyCertificateSds, 'utf8'));
    const [secret] = ctx.deployment.envoyCertificateSds.resources;
    const crt = mountedFile(spec, container, secret?.tls_certificate?.certificate_chain?.filename ?? '');
    const key = mountedFile(spec, container, secret?.tls_certificate?.private_key?.filename ?? '');
    expect({ crt: crt?.key, key: key?.key, kind: key?.kind, sameSecret: crt?.name === key?.name }).toEqual({ crt: 'tls.crt', key: 'tls.key', kind: 'Secret', sameSecret: true });
    // The mount is the watched directory itself, so the kubelet's symlink swap happens where Envoy looks.
    expect(container.volumeMounts?.find((m) => m.mountPath === secret?.tls_certificate?.watched_directory?.path)).toBeDefined();
    // The key is not world-readable; Envoy reads it through the pod's fsGroup.
    expect((key?.mode ?? 0o644) & 0o007).toBe(0);
    expect(spec.securityContext?.fsGroup).toBe(spec.securityContext?.runAsUser);
  });

  it('a cert-manager Certificate in the namespace keeps that Secret renewed, by a named issuer, with a new key each time, for the API’s host', () => {
    const { object, container } = view().workload('Deployment', 'envoy');
    const [secret] = ctx.deployment.envoyCertificateSds.resources;
    const secretName = mountedFile(object.spec.template.spec, container, secret?.tls_certificate?.certificate_chain?.filename ?? '')?.name;
    type Certificate = K8sObject & { spec: { secretName: string; dnsNames?: string[]; issuerRef: { name: string; kind?: string; group?: string }; privateKey?: { rotationPolicy?: string } } };
    const certificates = byKind<Certificate>(view().objects, 'Certificate').filter((c) => c.spec.secretName === secretName && c.metadata.namespace === object.metadata.namespace);
    expect(certificates).toHaveLength(1);
    const [certificate] = certificates as [Certificate];
    expect(certificate.spec.issuerRef).toEqual({ name: expect.stringMatching(/^[a-z0-9-]+$/), kind: expect.stringMatching(/^(Cluster)?Issuer$/), group: 'cert-manager.io' });
    expect(certificate.spec.privateKey?.rotationPolicy).toBe('Always');
    expect(certificate.spec.dnsNames?.length).toBeGreaterThan(0);
    // Every public URL this environment hands out (OAuth redirects, webhooks) is a name the certificate covers.
    const env = view().env('Deployment', 'integrations');
    for (const key of ['WHOOP_REDIRECT_URI', 'GOOGLE_REDIRECT_URI', 'GOOGLE_WEBHOOK_URL', 'MICROSOFT_REDIRECT_URI', 'MICROSOFT_WEBHOOK_URL'].filter((k) => env[k] !== undefined)) {
      const url = new URL(env[key] as string);
      expect({ key, protocol: url.protocol, covered: certificate.spec.dnsNames?.includes(url.hostname) }).toEqual({ key, protocol: 'https:', covered: true });
    }
  });

  it('the Service takes 443 to the TLS listener and 80 to the redirect; readiness is probed over TLS', () => {
    const { tls, plain } = edgeListeners(ctx.deployment.envoy);
    const service = find<ServiceObject>(view().objects, 'Service', 'envoy');
    const ports = Object.fromEntries((service?.spec.ports ?? []).map((p) => [p.port, { target: view().serviceTarget('envoy', p.port), appProtocol: p.appProtocol }]));
    expect(ports).toEqual({
      443: { target: tls[0]?.address.socket_address.port_value, appProtocol: 'https' },
      80: { target: plain[0]?.address.socket_address.port_value, appProtocol: 'http' },
    });
    const { container } = view().workload('Deployment', 'envoy');
    const probe = container.readinessProbe?.httpGet;
    expect({ scheme: probe?.scheme, port: container.ports?.find((p) => p.name === probe?.port)?.containerPort }).toEqual({ scheme: 'HTTPS', port: tls[0]?.address.socket_address.port_value });
  });
});

describe('overlays/production: the load balancer keeps client addresses', () => {
  it('is a LoadBalancer with externalTrafficPolicy Local (no second hop that would replace the client’s address)', () => {
    const service = find<ServiceObject & { spec: { externalTrafficPolicy?: string } }>(ctx.k8s('production').objects, 'Service', 'envoy');
    expect({ type: service?.spec.type, policy: service?.spec.externalTrafficPolicy }).toEqual({ type: 'LoadBalancer', policy: 'Local' });
  });
});

describe('compose: Envoy with the development certificate', () => {
  it('publishes only Envoy’s TLS listener, and only on 127.0.0.1', () => {
    const published = Object.entries(ctx.deployment.compose.services).flatMap(([name, service]) => (service.ports ?? []).map((port) => ({ name, port })));
    expect(published).toEqual([{ name: 'envoy', port: `127.0.0.1:${edgeListeners(ctx.deployment.envoy).tls[0]?.address.socket_address.port_value}:${edgeListeners(ctx.deployment.envoy).tls[0]?.address.socket_address.port_value}` }]);
  });

  it('mounts the SDS file where envoy.yaml reads it and the certificate setup generates where the SDS file reads it, failing fast when it is missing', () => {
    const envoy = ctx.composeService('envoy');
    const sdsPath = downstreamTls(edgeListeners(ctx.deployment.envoy).tls[0]!)!.common_tls_context!.tls_certificate_sds_secret_configs![0]!.sds_config!.path_config_source!.path;
    expect(envoy.volumes).toContain(`./${path.relative(repoRoot, deployPaths.envoyCertificateSds)}:${sdsPath}:ro`);
    const watched = ctx.deployment.envoyCertificateSds.resources[0]?.tls_certificate?.watched_directory?.path;
    expect(envoy.volumes).toContainEqual({ type: 'bind', source: './.data/edge-tls', target: watched, read_only: true, bind: { create_host_path: false } });
  });
});

describe('deploy/envoy/dev-certificate.mjs (compose’s self-signed certificate)', () => {
  interface Script {
    ensureDevCertificate(dir: string): string;
    defaultDir: string;
  }
  let script: Script;
  let dir: string;
  beforeAll(async () => {
    script = (await import(pathToFileURL(deployPaths.devCertificateScript).href)) as Script;
    dir = mkdtempSync(path.join(tmpdir(), 'edge-tls-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes where compose mounts it from, and scripts/setup.mjs runs it', () => {
    expect(path.relative(repoRoot, script.defaultDir)).toBe('.data/edge-tls');
    expect(readFileSync(deployPaths.setupScript, 'utf8')).toMatch(/import\('\.\.\/deploy\/envoy\/dev-certificate\.mjs'\)[\s\S]*ensureDevCertificate\(defaultDir\)/);
  });

  it('creates a key and a certificate for localhost and 127.0.0.1 that match, valid for most of a year; a second run keeps them', () => {
    expect(script.ensureDevCertificate(dir)).toBe('created');
    const cert = new X509Certificate(readFileSync(path.join(dir, 'tls.crt')));
    expect(cert.subjectAltName?.split(', ')).toEqual(expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1']));
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(dir, 'tls.key'))))).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(300 * 86_400_000);
    const before = statSync(path.join(dir, 'tls.crt')).mtimeMs;
    expect(script.ensureDevCertificate(dir)).toBe('kept');
    expect(statSync(path.join(dir, 'tls.crt')).mtimeMs).toBe(before);
  });

  it('replaces a certificate that expires within 30 days', () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '10', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
    expect(script.ensureDevCertificate(dir)).toBe('renewed (expires soon)');
    expect(Date.parse(new X509Certificate(readFileSync(path.join(dir, 'tls.crt'))).validTo) - Date.now()).toBeGreaterThan(300 * 86_400_000);
  });
});
