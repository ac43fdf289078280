// The served document through the two linters an app team runs, with every rule of their standard sets kept:
// Redocly's `recommended` and Spectral's `oas` (its recommended rules). Nothing is turned off; two Redocly
// findings are accepted at one location each, because the operation is right as it is (listed with why).
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';

export const redoclyAccepted: Array<{ rule: string; pointer: string; why: string }> = [
  {
    rule: 'operation-2xx-response',
    pointer: '#/paths/~1api~1v1~1providers~1{provider}~1callback/get/responses',
    why: 'the OAuth callback answers 302 to the app by design (Spectral’s operation-success-response, kept, accepts a 3xx)',
  },
  {
    rule: 'operation-4xx-response',
    pointer: '#/paths/~1api~1v1~1dev~1jwks.json/get/responses',
    why: 'development mode’s public key set: no token, parameter or body, so no client error it could answer',
  },
];

export interface Finding {
  linter: 'redocly' | 'spectral';
  severity: string;
  rule: string;
  message: string;
  where: string;
}

export async function redocly(document: object): Promise<Finding[]> {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
  return problems
    .map((p) => ({ linter: 'redocly' as const, severity: p.severity, rule: p.ruleId, message: p.message, where: p.location[0]?.pointer ?? '' }))
    .filter((f) => !redoclyAccepted.some((a) => a.rule === f.rule && a.pointer === f.where));
}

export async function spectral(document: object): Promise<Finding[]> {
  const linter = new spectralCore.Spectral();
  linter.setRuleset({ extends: [[oas as never, 'recommended']] });
  const results = await linter.run(new spectralCore.Document(JSON.stringify(document), spectralParsers.Json, 'openapi.json'));
  const severities = ['error', 'warn', 'info', 'hint'];
  return results.map((r) => ({ linter: 'spectral' as const, severity: severities[r.severity] ?? String(r.severity), rule: String(r.code), message: r.message, where: r.path.join('.') }));
}
