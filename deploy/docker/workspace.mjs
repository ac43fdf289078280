#!/usr/bin/env node
// Build-stage helper of deploy/docker/Dockerfile; never part of an image.
//
//   node workspace.mjs manifests <src> <out>  copy package-lock.json and every workspace's package.json from <src>
//                                             to <out>, without devDependencies, so the install that follows
//                                             resolves production dependencies only (npm's --omit=dev still
//                                             walks a workspace's devDependencies into the tree: the dev stack,
//                                             embedded PostgreSQL binaries).
//   node workspace.mjs prune <app> <service>  after `npm install --workspace=@omtobe/<service>` in <app>: keep
//                                             the service and the workspaces npm linked for it (its dependency
//                                             closure, the same edges Nx's project graph draws from package.json),
//                                             and drop every other workspace, tests and tool configuration.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** Workspace folders listed by the root package.json's `workspaces` ("dir" or "dir/*" forms). */
export function workspaceDirs(root) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.flatMap((pattern) => {
    if (/[*?[{]/.test(pattern.replace(/\/\*$/, ''))) throw new Error(`unsupported workspaces pattern "${pattern}" ("dir" or "dir/*" only)`);
    const dirs = pattern.endsWith('/*')
      ? existsSync(join(root, pattern.slice(0, -2)))
        ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
        : []
      : [pattern];
    return dirs.filter((dir) => existsSync(join(root, dir, 'package.json')));
  });
}

export function copyManifests(src, out) {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'package-lock.json'), readFileSync(join(src, 'package-lock.json')));
  for (const dir of ['.', ...workspaceDirs(src)]) {
    const manifest = JSON.parse(readFileSync(join(src, dir, 'package.json'), 'utf8'));
    delete manifest.devDependencies;
    mkdirSync(join(out, dir), { recursive: true });
    writeFileSync(join(out, dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

/** The workspace folders npm linked into node_modules/@omtobe: the service and everything it depends on. */
export function linkedWorkspaces(app) {
  const scope = join(app, 'node_modules', '@omtobe');
  if (!existsSync(scope)) return [];
  return readdirSync(scope).map((name) => relative(app, resolve(scope, readlinkSync(join(scope, name)))));
}

// Tests, tool configuration and documentation: nothing the service imports at run time.
const notShipped = [/\.spec\.ts$/, /^test$/, /^jest\.config\.js$/, /^eslint\.config\.js$/, /^tsconfig(\..+)?\.json$/, /\.md$/];

export function prune(app, service) {
  const keep = new Set(linkedWorkspaces(app));
  const serviceDir = `services/${service}`;
  if (!keep.has(serviceDir)) throw new Error(`${serviceDir} is not linked in node_modules/@omtobe: was the install run for @omtobe/${service}?`);
  for (const dir of workspaceDirs(app)) if (!keep.has(dir)) rmSync(join(app, dir), { recursive: true, force: true });
  for (const dir of keep) removeNotShipped(join(app, dir));
  rmSync(join(app, 'package-lock.json'), { force: true });
  return [...keep].sort();
}

function removeNotShipped(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue; // a workspace's own copies of conflicting dependency versions
    const path = join(dir, entry);
    if (notShipped.some((pattern) => pattern.test(entry))) rmSync(path, { recursive: true, force: true });
    else if (statSync(path).isDirectory()) removeNotShipped(path);
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'manifests' && args.length === 2) {
    copyManifests(args[0], args[1]);
  } else if (command === 'prune' && args.length === 2) {
    const kept = prune(args[0], args[1]);
    process.stdout.write(`image workspaces: ${kept.join(', ')}\n`);
  } else {
    process.stderr.write(`usage: ${relative(process.cwd(), process.argv[1])} manifests <src> <out> | prune <app> <service>\n`);
    process.exit(2);
  }
}
