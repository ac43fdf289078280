import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { jsonSchemaValidator } from './json-schema.ts';
import { isRecord, parseYaml } from './yaml-files.ts';

const require = createRequire(import.meta.url);

/**
 * The Compose Specification's JSON schema as dclint ships it (kept current with compose-spec), the schema
 * `docker compose config` validates against. Loaded by path: dclint's exports name no schema entry.
 */
export function composeSpecSchema(): object {
  const dir = path.dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(readFileSync(path.join(dir, 'schemas/compose.schema.json'), 'utf8')) as { $schema?: string };
  // It names draft-07 by an https URL ajv does not know under that spelling; draft-07 is ajv's own default.
  if (schema.$schema?.includes('draft-07')) delete schema.$schema;
  return schema;
}

let validator: ((data: unknown) => string[]) | undefined;
export function composeProblems(compose: unknown): string[] {
  validator ??= jsonSchemaValidator(composeSpecSchema());
  return validator(compose);
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: Array<string | { target: number; published?: string | number }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  volumes?: Array<string | object>;
  stop_grace_period?: string;
  [key: string]: unknown;
}
export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

/**
 * Compose's variable interpolation with an empty environment, as `docker compose config` applies it:
 * `${VAR:-default}` and `${VAR-default}` give the default, `${VAR}` and `$VAR` give "", `$$` is a literal `$`.
 * Other forms (`${VAR:?error}`, `${VAR:+alt}`) are refused so that the checks never guess.
 */
export function interpolate(text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, token: string, braced?: string, bare?: string) => {
    if (token === '$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s.exec(braced ?? '');
    if (!match) throw new Error(`unsupported interpolation ${whole}`);
    const [, name, operator, fallback] = match;
    const value = env[name as string];
    if (operator === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
    if (operator === '-') return value ?? fallback ?? '';
    return value ?? '';
  });
}

/** docker-compose.yml as Compose sees it: merge keys resolved, every string value interpolated, `x-` extensions kept. */
export function loadCompose(file: string, env: Record<string, string> = {}): ComposeFile {
  const data = interpolateValues(parseYaml(readFileSync(file, 'utf8'), { merge: true }), env);
  if (!isRecord(data) || !isRecord(data.services)) throw new Error(`${file}: no services`);
  return data as ComposeFile;
}

function interpolateValues(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateValues(item, env));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateValues(item, env)]));
  return value;
}

/** A service's environment as strings (Compose passes booleans and numbers as their text). */
export function composeEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) throw new Error('environment as a list is not used here; write a mapping');
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== null).map(([key, value]) => [key, String(value)]));
}
