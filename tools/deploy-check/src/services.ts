import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, ConfigError } from '@omtobe/platform';
import { repoRoot } from './paths.ts';

/** The four services, by their folder under services/ (also their Deployment, compose service and image name). */
export const serviceNames = ['gateway', 'state-engine', 'decision-log', 'integrations'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** The part of a zod schema the checks use; each services/<name>/src/config.ts exports one as `configSchema`. */
interface FieldSchema {
  safeParse(value: unknown): { success: boolean; data?: unknown };
}
export interface ConfigSchema {
  shape: Record<string, FieldSchema>;
}

export interface ServiceConfig {
  name: ServiceName;
  schema: ConfigSchema;
  /** Every variable name the service reads: the keys of its schema. */
  variables: ReadonlySet<string>;
  /** Variables without a default that must be set. */
  required: readonly string[];
  /** PORT's default: the port the service listens on unless told otherwise. */
  defaultPort: number;
  /** SERVICE_NAME's default (consumer group, telemetry resource, logs). */
  defaultServiceName: string;
}

// Services are not importable packages, and tools must not depend on services (module boundaries); a
// deployment check has to read their configuration contract all the same, so it loads the file by path.
export async function loadServiceConfig(name: ServiceName): Promise<ServiceConfig> {
  const file = path.join(repoRoot, 'services', name, 'src/config.ts');
  const module = (await import(pathToFileURL(file).href)) as { configSchema?: ConfigSchema };
  const schema = module.configSchema;
  if (schema === undefined || typeof schema.shape !== 'object') throw new Error(`${file} does not export a zod object "configSchema"`);
  const defaultOf = (key: string) => schema.shape[key]?.safeParse(undefined).data;
  const required = Object.keys(schema.shape).filter((key) => !schema.shape[key]?.safeParse(undefined).success);
  return {
    name,
    schema,
    variables: new Set(Object.keys(schema.shape)),
    required,
    defaultPort: Number(defaultOf('PORT')),
    defaultServiceName: String(defaultOf('SERVICE_NAME')),
  };
}

export function loadServiceConfigs(): Promise<ServiceConfig[]> {
  return Promise.all(serviceNames.map(loadServiceConfig));
}

/**
 * Variables read outside the service's schema: NODE_ENV (libs/platform's loadConfig derives the mode from it)
 * and NODE_OPTIONS (read by Node.js: the heap size, checked on its own).
 */
export const variablesReadOutsideSchema = new Set(['NODE_ENV', 'NODE_OPTIONS']);

/**
 * Runs the service's own validation (the same loadConfig its main.ts calls) over an environment as a
 * deployment would give it; returns the problems, each naming its variable.
 */
export function configProblems(service: ServiceConfig, env: Record<string, string>): string[] {
  try {
    loadConfig(service.schema as unknown as Parameters<typeof loadConfig>[0], env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

/** Variables set in a deployment that the service does not read: a typo or a renamed variable. */
export function unknownVariables(service: ServiceConfig, env: Record<string, string>): string[] {
  return Object.keys(env).filter((key) => !service.variables.has(key) && !variablesReadOutsideSchema.has(key));
}

export function readPackageJson(dir: string): { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as ReturnType<typeof readPackageJson>;
}
