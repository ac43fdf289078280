import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { dockerfileLintProblems, execForm, parseDockerfile, stageEnv, type Stage } from './dockerfile.ts';
import { packageOf, productionClosure, productionSources, runtimeImports, workspaces } from './imports.ts';
import { deployPaths, repoRoot } from './paths.ts';
import { serviceNames } from './services.ts';

const text = readFileSync(deployPaths.dockerfile, 'utf8');
const { args, stages } = parseDockerfile(text);
const runtime = stages.at(-1) as Stage;
const buildArgs = Object.fromEntries(args.filter((a) => a.keyword === 'ARG').map((a) => a.args.split('=') as [string, string]));
const resolveArgs = (value: string) => value.replace(/\$\{(\w+)\}/g, (whole, name: string) => buildArgs[name] ?? whole);
const only = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

describe('deploy/docker/Dockerfile', () => {
  it('passes the Dockerfile linter with every rule as an error', () => {
    expect(dockerfileLintProblems(text)).toEqual([]);
  });

  it('builds on Node 24 and runs on distroless Node 24 as a non-root user', () => {
    expect(stages.slice(0, -1).map((s) => resolveArgs(s.from))).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(resolveArgs(runtime.from)).toBe('gcr.io/distroless/nodejs24-debian12:nonroot');
    const [user] = only(runtime, 'USER').map((u) => u.args);
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/); // numeric, so runAsNonRoot can verify it
  });

  it('has no HEALTHCHECK, stops on SIGTERM and runs node as PID 1 with the flags npm start uses', () => {
    expect(stages.flatMap((s) => only(s, 'HEALTHCHECK'))).toEqual([]);
    expect(only(runtime, 'STOPSIGNAL').map((i) => i.args)).toEqual(['SIGTERM']);
    expect(execForm(only(runtime, 'ENTRYPOINT')[0])).toEqual(['/nodejs/bin/node', '--disable-warning=ExperimentalWarning', '--disable-warning=TimeoutNegativeWarning']);
    expect(execForm(only(runtime, 'CMD')[0])).toEqual(['src/main.ts']);
    expect(only(runtime, 'WORKDIR').map((i) => i.args)).toEqual(['/app/services/${SERVICE}']);
    expect(stageEnv(runtime)).toMatchObject({ NODE_ENV: 'production' });
  });

  it('installs production dependencies of the one service only', () => {
    const install = stages.flatMap((s) => only(s, 'RUN')).find((i) => /\bnpm (install|ci)\b/.test(i.args));
    expect(install?.args).toMatch(/--omit=dev/);
    expect(install?.args).toMatch(/--workspace=@omtobe\/\$\{SERVICE\}/);
    expect(install?.args).toMatch(/--ignore-scripts/);
  });

  it('copies only what .dockerignore lets into the build context', () => {
    const allowed = readFileSync(deployPaths.dockerignore, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = stages
      .flatMap((s) => only(s, 'COPY'))
      .filter((i) => !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((source) => source !== '.');
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect({ source, allowed: allowed.some((a) => source === a || source.startsWith(`${a}/`)) }).toEqual({ source, allowed: true });
    expect(readFileSync(deployPaths.dockerignore, 'utf8')).toMatch(/^\*\*\/node_modules$/m);
  });
});

describe('deploy/docker/workspace.mjs (the build stages’ helper)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'deploy-check-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const run = (...argv: string[]) => execFileSync(process.execPath, [deployPaths.workspaceScript, ...argv], { encoding: 'utf8' });

  it('manifests: copies the lockfile and every workspace package.json, without devDependencies', () => {
    const out = path.join(scratch, 'manifests');
    run('manifests', repoRoot, out);
    expect(readFileSync(path.join(out, 'package-lock.json'), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
    const expected = [...workspaces().values()].map((w) => path.relative(repoRoot, w.dir)).sort();
    const manifestsBelow = (dir: string): string[] =>
      readdirSync(path.join(out, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? manifestsBelow(path.join(dir, entry.name)) : entry.name === 'package.json' && dir !== '' ? [dir] : [],
      );
    const copied = manifestsBelow('').sort();
    expect(copied).toEqual(expected);
    for (const dir of ['.', ...copied]) expect(JSON.parse(readFileSync(path.join(out, dir, 'package.json'), 'utf8'))).not.toHaveProperty('devDependencies');
  });

  it('prune: keeps the service and the workspaces npm linked for it, without tests or tool configuration', () => {
    const app = path.join(scratch, 'app');
    const file = (relative: string, content = '') => {
      mkdirSync(path.dirname(path.join(app, relative)), { recursive: true });
      writeFileSync(path.join(app, relative), content);
    };
    file('package.json', JSON.stringify({ workspaces: ['libs/*', 'services/*'] }));
    file('package-lock.json', '{}');
    for (const ws of ['libs/used', 'libs/unused', 'services/svc', 'services/other']) file(`${ws}/package.json`, '{}');
    file('libs/used/src/index.ts');
    file('libs/used/src/index.spec.ts');
    file('libs/used/jest.config.js');
    file('libs/used/node_modules/pinned/index.js');
    file('services/svc/src/main.ts');
    file('services/svc/test/e2e.spec.ts');
    file('services/svc/README.md');
    mkdirSync(path.join(app, 'node_modules/@omtobe'), { recursive: true });
    symlinkSync('../../libs/used', path.join(app, 'node_modules/@omtobe/used'));
    symlinkSync('../../services/svc', path.join(app, 'node_modules/@omtobe/svc'));

    expect(run('prune', app, 'svc')).toBe('image workspaces: libs/used, services/svc\n');
    const exists = (relative: string) => existsSync(path.join(app, relative));
    expect(['libs/used/src/index.ts', 'libs/used/node_modules/pinned/index.js', 'services/svc/src/main.ts', 'services/svc/package.json'].filter((f) => !exists(f))).toEqual([]);
    expect(
      ['libs/unused', 'services/other', 'libs/used/src/index.spec.ts', 'libs/used/jest.config.js', 'services/svc/test', 'services/svc/README.md', 'package-lock.json'].filter(exists),
    ).toEqual([]);
    expect(() => run('prune', app, 'other')).toThrow(/services\/other is not linked/);
  });
});

describe.each(serviceNames)('the %s image holds everything its code loads', (service) => {
  // The install links the service's production closure and hoists the closure's dependencies, so a run-time
  // import resolves in the image when some workspace of the closure declares it as a production dependency.
  // (A devDependency, or a package only the dev stack brings, would be missing from the image.)
  it('every run-time import of its sources and libraries is a production dependency of its closure', () => {
    const all = workspaces();
    const closure = productionClosure(`@omtobe/${service}`, all);
    expect(closure.map((w) => w.name)).toContain(`@omtobe/${service}`);
    const installed = new Set(closure.flatMap((w) => [w.name, ...Object.keys(w.dependencies)]));
    const problems: string[] = [];
    let imports = 0;
    for (const workspace of closure) {
      for (const file of productionSources(workspace.dir)) {
        for (const specifier of runtimeImports(file)) {
          const name = packageOf(specifier);
          if (name === undefined) continue;
          imports += 1;
          if (!installed.has(name)) problems.push(`${path.relative(repoRoot, file)} imports ${specifier}: no production dependency of the image provides it`);
        }
      }
    }
    expect(imports).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
