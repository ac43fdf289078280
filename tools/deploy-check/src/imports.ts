import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths.ts';
import { readPackageJson } from './services.ts';

export interface Workspace {
  name: string;
  dir: string;
  dependencies: Record<string, string>;
}

/** Every workspace by package name, from the root package.json's `workspaces` ("dir" and "dir/*" forms). */
export function workspaces(): Map<string, Workspace> {
  const { workspaces: patterns = [] } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { workspaces?: string[] };
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [path.join(repoRoot, pattern)];
    const parent = path.join(repoRoot, pattern.slice(0, -2));
    return existsSync(parent) ? readdirSync(parent).map((entry) => path.join(parent, entry)) : [];
  });
  const found = new Map<string, Workspace>();
  for (const dir of dirs.filter((d) => existsSync(path.join(d, 'package.json')))) {
    const manifest = readPackageJson(dir);
    found.set(manifest.name, { name: manifest.name, dir, dependencies: { ...manifest.dependencies, ...manifest.peerDependencies } });
  }
  return found;
}

/** A workspace and the workspaces its production dependencies reach: what `npm install --omit=dev -w` links. */
export function productionClosure(root: string, all: Map<string, Workspace>): Workspace[] {
  const seen = new Map<string, Workspace>();
  const visit = (name: string) => {
    const workspace = all.get(name);
    if (workspace === undefined || seen.has(name)) return;
    seen.set(name, workspace);
    for (const dependency of Object.keys(workspace.dependencies)) visit(dependency);
  };
  visit(root);
  return [...seen.values()];
}

/** Source files that ship: src/**.ts without specs. */
export function productionSources(dir: string): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) return entry.name === 'test' || entry.name === 'node_modules' ? [] : walk(file);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [file] : [];
    });
  const src = path.join(dir, 'src');
  return existsSync(src) ? walk(src) : [];
}

/**
 * Module specifiers a file loads at run time: static imports and re-exports (not `import type`/`export type`,
 * which type stripping erases) and dynamic `import('…')` with a literal argument.
 */
export function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) specifiers.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

const builtins = new Set(builtinModules);

/** The npm package a bare specifier names, or undefined for relative paths and Node built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);
  return builtins.has(name) ? undefined : name;
}
