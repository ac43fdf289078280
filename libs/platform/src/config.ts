import { z } from 'zod';
import { defaultHost, developmentModeProblems, isListenAddress } from './development-mode.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every problem with the environment at once, by variable name; never the values (they may be secrets). */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Validates the environment against a zod object schema and returns a deeply frozen, typed config.
 * Empty variables count as unset (`FOO=` in a manifest means "not configured"). When OMTOBE_MODE
 * is unset and NODE_ENV is "production", the mode is production: a deployment that forgets the
 * mode must not get development conveniences such as mock providers.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Env = process.env): DeepReadonly<z.output<S>> {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') input[key] = value;
  if (input.OMTOBE_MODE === undefined && input.NODE_ENV === 'production') input.OMTOBE_MODE = 'production';
  // The schema's default is development's loopback; production's pods listen on every interface.
  if (input.HOST === undefined && input.OMTOBE_MODE === 'production') input.HOST = defaultHost.production;

  const result = schema.safeParse(input);
  const problems = result.success ? [] : result.error.issues.map((issue) => describe(issue, input));
  // The rules of development-mode.ts; a variable the schema already complained about is named once.
  const named = new Set(problems.map((problem) => problem.split(':')[0]));
  for (const problem of developmentModeProblems(input, declaredVariables(schema))) {
    if (!named.has(problem.split(':')[0])) problems.push(problem);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return deepFreeze(result.data) as DeepReadonly<z.output<S>>;
}

/** For main.ts: on a bad environment write one JSON line naming every problem and exit 1. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: Env = process.env): DeepReadonly<z.output<S>> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'invalid configuration', problems: error.problems })}\n`);
    process.exit(1);
  }
}

function declaredVariables(schema: z.ZodType): ReadonlySet<string> {
  const shape = (schema as { shape?: unknown }).shape;
  return new Set(shape !== null && typeof shape === 'object' ? Object.keys(shape) : []);
}

function describe(issue: z.core.$ZodIssue, input: Record<string, string>): string {
  const name = issue.path.map(String).join('.') || '(environment)';
  const missing = issue.path.length === 1 && input[String(issue.path[0])] === undefined;
  return missing && issue.code === 'invalid_type' ? `${name}: is required` : `${name}: ${issue.message}`;
}

// ---- building blocks for service schemas: every value arrives as a string ----

/** An integer variable, e.g. `envInt({ min: 1 }).default(20)`. */
export function envInt(bounds: { min?: number; max?: number } = {}) {
  let number = z.number().int();
  if (bounds.min !== undefined) number = number.min(bounds.min);
  if (bounds.max !== undefined) number = number.max(bounds.max);
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(number);
}

/** A number variable (fractions allowed), e.g. a ratio like 0.8. */
export function envNumber(bounds: { min?: number; max?: number } = {}) {
  let number = z.number();
  if (bounds.min !== undefined) number = number.min(bounds.min);
  if (bounds.max !== undefined) number = number.max(bounds.max);
  return z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(number);
}

/** true/false, 1/0, yes/no, on/off. */
export function envBool() {
  return z.stringbool();
}

/** A comma-separated list with at least one item; blanks around items are dropped. */
export function envList() {
  return z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item !== ''))
    .pipe(z.array(z.string()).min(1, 'must list at least one item'));
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What every service reads. Services extend it: `baseConfigSchema.extend({ SERVICE_NAME: z.string().default('state-engine'), ... })`. */
export const baseConfigSchema = z.object({
  OMTOBE_MODE: z.enum(['development', 'production']).default('development'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  PORT: envInt({ min: 0, max: 65_535 }).default(8080),
  /**
   * The address the service listens on: loopback in development (the default there), every interface in production
   * (the default there: pods are reached on their own address). Development mode refuses anything but loopback
   * unless UNSAFE_DEVELOPMENT_ON_NETWORK is true (development-mode.ts).
   */
  HOST: z.string().trim().refine(isListenAddress, 'must be an IP address to listen on (127.0.0.1, ::1, 0.0.0.0, ::) or localhost').default(defaultHost.development),
  /** Development mode on a non-loopback HOST: for compose's private network only; refused in production. */
  UNSAFE_DEVELOPMENT_ON_NETWORK: envBool().default(false),
  SERVICE_NAME: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case name like "state-engine"'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL'),
  KAFKA_BROKERS: envList().pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port'))),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  SHUTDOWN_TIMEOUT_MS: envInt({ min: 0 }).default(10_000),
});

export type BaseConfig = z.output<typeof baseConfigSchema>;

export type DeepReadonly<T> = T extends (infer I)[]
  ? readonly DeepReadonly<I>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
