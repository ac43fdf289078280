import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in tools/deploy-check/src. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every deployment artifact the checks read. */
export const deployPaths = {
  dockerfile: path.join(repoRoot, 'deploy/docker/Dockerfile'),
  workspaceScript: path.join(repoRoot, 'deploy/docker/workspace.mjs'),
  dockerignore: path.join(repoRoot, '.dockerignore'),
  compose: path.join(repoRoot, 'docker-compose.yml'),
  envoy: path.join(repoRoot, 'deploy/envoy/envoy.yaml'),
  envoyCertificateSds: path.join(repoRoot, 'deploy/envoy/edge-certificate-sds.yaml'),
  devCertificateScript: path.join(repoRoot, 'deploy/envoy/dev-certificate.mjs'),
  setupScript: path.join(repoRoot, 'scripts/setup.mjs'),
  k8sBase: path.join(repoRoot, 'deploy/k8s/base'),
  k8sTopics: path.join(repoRoot, 'deploy/k8s/topics'),
  k8sKafkaUsers: path.join(repoRoot, 'deploy/k8s/kafka-users'),
  k8sOverlays: path.join(repoRoot, 'deploy/k8s/overlays'),
};
