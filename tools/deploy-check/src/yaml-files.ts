import { readFileSync } from 'node:fs';
import { parseAllDocuments, parseDocument } from 'yaml';

/**
 * One YAML document as plain data. `merge` resolves YAML 1.1 merge keys (`<<: *anchor`), which Compose
 * supports and Kubernetes manifests do not use. Any parse error or warning fails: a file that only
 * some parsers accept is a broken file.
 */
export function parseYaml(text: string, options: { merge?: boolean } = {}): unknown {
  const document = parseDocument(text, { merge: options.merge ?? false, uniqueKeys: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('\n'));
  return document.toJS({ maxAliasCount: 1000 });
}

export function readYaml(file: string, options: { merge?: boolean } = {}): unknown {
  return parseYaml(readFileSync(file, 'utf8'), options);
}

/** Every document of a multi-document stream (`---`), empty documents dropped. */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true }).flatMap((document) => {
    if (!('errors' in document)) throw new Error('YAML stream ended inside a document');
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join('\n'));
    const value: unknown = document.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
