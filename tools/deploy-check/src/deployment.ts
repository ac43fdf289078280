import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadCompose, type ComposeFile } from './compose.ts';
import { parseDockerfile, stageEnv, type Stage } from './dockerfile.ts';
import type { EnvoyBootstrap, SdsFile } from './envoy-config.ts';
import { renderKustomization, type K8sObject } from './kustomize.ts';
import { deployPaths } from './paths.ts';
import { readYaml } from './yaml-files.ts';

/** The overlays a platform engineer applies; each renders to a complete deployment. */
export const overlayNames = ['production', 'staging'] as const;
export type OverlayName = (typeof overlayNames)[number];

export interface Deployment {
  compose: ComposeFile;
  envoy: EnvoyBootstrap;
  /** The edge certificate's file-based SDS resource (deploy/envoy/edge-certificate-sds.yaml). */
  envoyCertificateSds: SdsFile;
  /** The image's final stage (its ENV is part of every container's environment). */
  runtimeStage: Stage;
  overlays: Record<OverlayName, K8sObject[]>;
}

let loaded: Deployment | undefined;

/** Every artifact, read and rendered once per test file. */
export function loadDeployment(): Deployment {
  if (loaded) return loaded;
  const { stages } = parseDockerfile(readFileSync(deployPaths.dockerfile, 'utf8'));
  const runtimeStage = stages.at(-1);
  if (runtimeStage === undefined) throw new Error('the Dockerfile has no stage');
  loaded = {
    compose: loadCompose(deployPaths.compose),
    envoy: readYaml(deployPaths.envoy) as EnvoyBootstrap,
    envoyCertificateSds: readYaml(deployPaths.envoyCertificateSds) as SdsFile,
    runtimeStage,
    overlays: Object.fromEntries(overlayNames.map((name) => [name, renderKustomization(path.join(deployPaths.k8sOverlays, name))])) as Deployment['overlays'],
  };
  return loaded;
}

/** The environment the image itself sets (ENV of the final stage), beneath what compose or Kubernetes add. */
export function imageEnvironment(deployment: Deployment): Record<string, string> {
  return stageEnv(deployment.runtimeStage);
}

/**
 * Sample values for Secret keys: the repository holds none, and the services' validation must still see a
 * well-formed value. A new secret key fails here until it gets a sample of the right shape.
 */
const secretSamples: Record<string, string> = {
  DATABASE_URL: 'postgres://omtobe:sample@postgres.example:5432/omtobe',
  DATABASE_MIGRATION_URL: 'postgres://omtobe_owner:sample@postgres.example:5432/omtobe',
  TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  WHOOP_CLIENT_SECRET: 'sample-secret',
  GOOGLE_CLIENT_SECRET: 'sample-secret',
  MICROSOFT_CLIENT_SECRET: 'sample-secret',
};

export function sampleSecret(secret: string, key: string): string {
  const value = secretSamples[key];
  if (value === undefined) throw new Error(`Secret ${secret} key ${key}: no sample value in deployment.ts`);
  return value;
}
