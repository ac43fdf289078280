import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/**
 * Envoy's v3 API as protobuf descriptors: @grpc/grpc-js-xds ships Envoy's, xDS's and protoc-gen-validate's
 * .proto files (it speaks xDS), and protobufjs reads them. An Envoy YAML file is the proto3 JSON mapping of
 * envoy.config.bootstrap.v3.Bootstrap, so it can be walked against these descriptors.
 */
function protoIncludeDirs(): string[] {
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const protobufjs = path.dirname(require.resolve('protobufjs/package.json')); // google/protobuf/descriptor.proto
  return [...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir)), protobufjs];
}

export interface EnvoyApi {
  /** Problems of a configuration (proto3 JSON/YAML form) against a message type; empty when it conforms. */
  problems(value: unknown, typeName?: string): string[];
}

type Rules = Record<string, Record<string, unknown> | undefined>;

export function loadEnvoyApi(): EnvoyApi {
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => dirs.map((dir) => path.join(dir, target)).find((file) => existsSync(file)) ?? target;
  root.loadSync('envoy/config/bootstrap/v3/bootstrap.proto', { keepCase: true });
  root.resolveAll();

  // typed_config names its message by type URL; extension protos are loaded when first named, from the folder
  // that mirrors the package (envoy.extensions.filters.http.router.v3 → envoy/extensions/filters/http/router/v3).
  const lookupType = (name: string): protobuf.Type | protobuf.Enum | undefined => {
    const found = root.lookup(name);
    if (found instanceof protobuf.Type || found instanceof protobuf.Enum) return found;
    const packageDir = name.split('.').slice(0, -1).join('/');
    for (const dir of dirs) {
      const folder = path.join(dir, packageDir);
      if (!existsSync(folder)) continue;
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.proto'))) root.loadSync(path.join(packageDir, file), { keepCase: true });
      root.resolveAll();
      const loaded = root.lookup(name);
      if (loaded instanceof protobuf.Type || loaded instanceof protobuf.Enum) return loaded;
    }
    return undefined;
  };

  return {
    problems(value, typeName = 'envoy.config.bootstrap.v3.Bootstrap') {
      const type = lookupType(typeName);
      if (!(type instanceof protobuf.Type)) return [`unknown message type ${typeName}`];
      const problems: string[] = [];
      checkMessage(type, value, '', problems, lookupType);
      return problems;
    },
  };
}

type Lookup = (name: string) => protobuf.Type | protobuf.Enum | undefined;

const durationPattern = /^-?\d+(\.\d{1,9})?s$/;
const integerPattern = /^-?\d+$/;

function checkMessage(type: protobuf.Type, value: unknown, at: string, problems: string[], lookup: Lookup): void {
  const name = type.fullName.replace(/^\./, '');
  if (checkWellKnown(name, value, at, problems, lookup)) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${at || '/'}: expected an object (${name})`);
    return;
  }
  const byJsonName = new Map(type.fieldsArray.map((field) => [jsonName(field.name), field]));
  const oneofsSet = new Map<string, string[]>();
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key] ?? byJsonName.get(key);
    const here = `${at}/${key}`;
    if (field === undefined) {
      problems.push(`${here}: unknown field of ${name}`);
      continue;
    }
    if (field.options?.deprecated === true) problems.push(`${here}: deprecated field of ${name}`);
    if (field.partOf) oneofsSet.set(field.partOf.name, [...(oneofsSet.get(field.partOf.name) ?? []), key]);
    checkField(field, item, here, problems, lookup);
  }
  for (const [oneof, keys] of oneofsSet) if (keys.length > 1) problems.push(`${at || '/'}: ${keys.join(' and ')} are alternatives (oneof ${oneof})`);
  for (const oneof of type.oneofsArray) {
    if (oneof.options?.['(validate.required)'] === true && !oneofsSet.has(oneof.name)) {
      problems.push(`${at || '/'}: one of ${oneof.oneof.join(', ')} is required (${name})`);
    }
  }
  for (const field of type.fieldsArray) {
    const present = field.name in value || jsonName(field.name) in value;
    if (!present && field.partOf === null) checkAbsent(field, name, at, problems);
  }
}

/** protoc-gen-validate rules that an absent field already breaks: required messages, non-empty strings and lists. */
function checkAbsent(field: protobuf.Field, typeName: string, at: string, problems: string[]): void {
  const rules = validateRules(field);
  if (rules === undefined) return;
  const missing = `${at}/${field.name}: is required (${typeName})`;
  if (rules.message?.required === true || rules.duration?.required === true || rules.any?.required === true) problems.push(missing);
  else if (!field.repeated && typeof rules.string?.min_len === 'number' && rules.string.min_len > 0 && rules.string.ignore_empty !== true) problems.push(missing);
  else if (field.repeated && typeof rules.repeated?.min_items === 'number' && rules.repeated.min_items > 0 && rules.repeated.ignore_empty !== true) problems.push(missing);
}

function validateRules(field: protobuf.Field): Rules | undefined {
  const parsed = (field as unknown as { parsedOptions?: Array<Record<string, unknown>> }).parsedOptions ?? [];
  const entry = parsed.find((option) => '(validate.rules)' in option);
  return entry?.['(validate.rules)'] as Rules | undefined;
}

function checkField(field: protobuf.Field, value: unknown, at: string, problems: string[], lookup: Lookup): void {
  if (field.map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problems.push(`${at}: expected a map`);
    for (const [key, item] of Object.entries(value)) checkValue(field, item, `${at}/${key}`, problems, lookup);
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) return void problems.push(`${at}: expected a list`);
    const rules = validateRules(field)?.repeated;
    if (typeof rules?.min_items === 'number' && value.length < rules.min_items) problems.push(`${at}: needs at least ${rules.min_items} item(s)`);
    value.forEach((item, index) => checkValue(field, item, `${at}/${index}`, problems, lookup));
    return;
  }
  checkValue(field, value, at, problems, lookup);
}

function checkValue(field: protobuf.Field, value: unknown, at: string, problems: string[], lookup: Lookup): void {
  const rules = validateRules(field);
  switch (field.type) {
    case 'string': {
      if (typeof value !== 'string') return void problems.push(`${at}: expected a string`);
      const minLength = rules?.string?.min_len;
      if (typeof minLength === 'number' && value.length < minLength) problems.push(`${at}: shorter than ${minLength}`);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') problems.push(`${at}: expected true or false`);
      return;
    case 'bytes':
      if (typeof value !== 'string') problems.push(`${at}: expected base64 bytes`);
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') problems.push(`${at}: expected a number`);
      return;
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'sfixed32':
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64': {
      const number = typeof value === 'number' ? value : typeof value === 'string' && integerPattern.test(value) ? Number(value) : Number.NaN;
      if (!Number.isInteger(number)) return void problems.push(`${at}: expected an integer`);
      if (field.type.startsWith('u') || field.type.startsWith('fixed')) if (number < 0) problems.push(`${at}: must not be negative`);
      const bounds = rules?.[field.type];
      if (bounds) checkBounds(number, bounds, at, problems);
      return;
    }
  }
  const resolved = field.resolvedType ?? lookup(field.type);
  if (resolved instanceof protobuf.Enum) return checkEnum(resolved, value, at, problems);
  if (resolved instanceof protobuf.Type) return checkMessage(resolved, value, at, problems, lookup);
  problems.push(`${at}: unknown type ${field.type}`);
}

function checkBounds(number: number, bounds: Record<string, unknown>, at: string, problems: string[]): void {
  const { gt, gte, lt, lte } = bounds as { gt?: number; gte?: number; lt?: number; lte?: number };
  if (gt !== undefined && !(number > gt)) problems.push(`${at}: must be > ${gt}`);
  if (gte !== undefined && !(number >= gte)) problems.push(`${at}: must be >= ${gte}`);
  if (lt !== undefined && !(number < lt)) problems.push(`${at}: must be < ${lt}`);
  if (lte !== undefined && !(number <= lte)) problems.push(`${at}: must be <= ${lte}`);
}

function checkEnum(type: protobuf.Enum, value: unknown, at: string, problems: string[]): void {
  const name = typeof value === 'string' ? value : Object.entries(type.values).find(([, number]) => number === value)?.[0];
  if (name === undefined || !(name in type.values)) return void problems.push(`${at}: ${JSON.stringify(value)} is not a value of ${type.name}`);
  const options = (type as unknown as { valuesOptions?: Record<string, Record<string, unknown>> }).valuesOptions?.[name];
  if (options?.deprecated === true) problems.push(`${at}: ${name} is deprecated`);
}

/** The proto3 JSON forms of Google's well-known types; true when `name` is one of them. */
function checkWellKnown(name: string, value: unknown, at: string, problems: string[], lookup: Lookup): boolean {
  const expect = (ok: boolean, what: string) => (ok ? undefined : problems.push(`${at}: expected ${what} (${name})`));
  switch (name) {
    case 'google.protobuf.Duration':
      expect(typeof value === 'string' && durationPattern.test(value), 'a duration such as "1.5s"');
      return true;
    case 'google.protobuf.Timestamp':
      expect(typeof value === 'string' && !Number.isNaN(Date.parse(value)), 'an RFC 3339 time');
      return true;
    case 'google.protobuf.BoolValue':
      expect(typeof value === 'boolean', 'true or false');
      return true;
    case 'google.protobuf.StringValue':
    case 'google.protobuf.BytesValue':
    case 'google.protobuf.FieldMask':
      expect(typeof value === 'string', 'a string');
      return true;
    case 'google.protobuf.DoubleValue':
    case 'google.protobuf.FloatValue':
      expect(typeof value === 'number', 'a number');
      return true;
    case 'google.protobuf.Int32Value':
    case 'google.protobuf.UInt32Value':
    case 'google.protobuf.Int64Value':
    case 'google.protobuf.UInt64Value':
      expect(Number.isInteger(typeof value === 'string' && integerPattern.test(value) ? Number(value) : value), 'an integer');
      return true;
    case 'google.protobuf.Struct':
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), 'an object');
      return true;
    case 'google.protobuf.ListValue':
      expect(Array.isArray(value), 'a list');
      return true;
    case 'google.protobuf.Value':
      return true;
    case 'google.protobuf.Empty':
      expect(typeof value === 'object' && value !== null && Object.keys(value).length === 0, '{}');
      return true;
    case 'google.protobuf.Any':
      checkAny(value, at, problems, lookup);
      return true;
    default:
      return false;
  }
}

function checkAny(value: unknown, at: string, problems: string[], lookup: Lookup): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problems.push(`${at}: expected an object with "@type"`);
  const { '@type': typeUrl, ...rest } = value as Record<string, unknown>;
  if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) return void problems.push(`${at}: "@type" must be a type URL`);
  const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  const type = lookup(typeName);
  if (!(type instanceof protobuf.Type)) return void problems.push(`${at}: unknown type ${typeUrl}`);
  const fullName = type.fullName.replace(/^\./, '');
  // An Any of a well-known type carries its JSON form under "value".
  if (fullName.startsWith('google.protobuf.')) return checkMessage(type, rest.value, `${at}/value`, problems, lookup);
  checkMessage(type, rest, at, problems, lookup);
}

function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
