import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { kustomizeFamilies, kustomizeVersion, parseKustomizeVersion, renderKustomization } from './kustomize.ts';
import { deployPaths } from './paths.ts';

const production = path.join(deployPaths.k8sOverlays, 'production');
const clientVersion = (minor: string, gitVersion: string) => ({ major: '1', minor, gitVersion, platform: 'linux/amd64' });

describe('the kubectl that renders deploy/k8s', () => {
  it('renders with the kubectl on the PATH, whose Kustomize is v2.0.3 (Debian\'s kubectl 1.20, as in CI) or v5', () => {
    expect(renderKustomization(production).length).toBeGreaterThan(0);
    expect(kustomizeVersion()).toMatch(kustomizeFamilies);
  });

  it('reads the Kustomize version kubectl reports, or infers v2.0.3 for kubectl 1.14 to 1.20', () => {
    const read = (version: object) => parseKustomizeVersion(JSON.stringify(version));
    expect(read({ clientVersion: clientVersion('32+', 'v1.32.4'), kustomizeVersion: 'v5.5.0' })).toBe('v5.5.0');
    expect(read({ clientVersion: clientVersion('20', 'v1.20.2') })).toBe('v2.0.3');
    // Kustomize v4 (kubectl 1.21 to 1.26) is neither family: its output is not what the kustomizations are checked for.
    expect(read({ clientVersion: clientVersion('22', 'v1.22.17') })).toBe('unknown (kubectl v1.22.17)');
    expect(read({ clientVersion: clientVersion('26', 'v1.26.15'), kustomizeVersion: 'v4.5.7' })).not.toMatch(kustomizeFamilies);
    expect('v5.5.0').toMatch(kustomizeFamilies);
    expect('v2.0.3').toMatch(kustomizeFamilies);
  });

  it('needs no temporary directory: the render is the same with TMPDIR pointing nowhere', () => {
    expect(renderKustomization(production, { ...process.env, TMPDIR: '/nonexistent/tmp' })).toEqual(renderKustomization(production));
  });
});
