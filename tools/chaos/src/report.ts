import type { Figure, ScenarioResult } from './scenarios/scenario.ts';

const formatValue = (f: Figure): string => {
  if (f.value === undefined) return 'never';
  if (f.unit === 'ms' && typeof f.value === 'number') return `${(f.value / 1000).toFixed(2)} s`;
  return String(f.value);
};
const formatTarget = (f: Figure): string => (f.targetMax === undefined ? '' : `≤ ${(f.targetMax / 1000).toFixed(1)} s`);
const missed = (f: Figure): boolean => f.targetMax !== undefined && (typeof f.value !== 'number' || f.value > f.targetMax);

/** A plain-text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

export function scenarioTable(result: ScenarioResult): string {
  return table(
    ['figure', 'value', 'target'],
    result.figures.map((f) => [f.label, formatValue(f), `${formatTarget(f)}${missed(f) ? '  MISSED' : ''}`]),
  );
}

export function summaryTable(results: readonly ScenarioResult[]): string {
  return table(
    ['scenario', 'result', 'seconds', 'targets (measured)'],
    results.map((r) => [
      r.name,
      r.passed ? 'pass' : 'FAIL',
      r.seconds.toFixed(0),
      r.figures
        .filter((f) => f.targetMax !== undefined)
        .map((f) => `${shortLabel(f.label)} ${formatValue(f)}`)
        .join('; '),
    ]),
  );
}

const shortLabel = (label: string): string => label.replace(/^(kill|new process start|back|first 2xx of every kind of call) → |after the fault$/g, '').trim();

export function markdown(results: readonly ScenarioResult[], meta: { startedAt: Date; quick: boolean; logDir: string }): string {
  const lines = [
    `# Chaos run ${meta.startedAt.toISOString()}${meta.quick ? ' (--quick)' : ''}`,
    '',
    `Service logs: \`${meta.logDir}\``,
    '',
    '| scenario | result | seconds |',
    '|---|---|---|',
    ...results.map((r) => `| ${r.name} | ${r.passed ? 'pass' : '**FAIL**'} | ${r.seconds.toFixed(0)} |`),
  ];
  for (const r of results) {
    lines.push('', `## ${r.name}`, '', '| figure | value | target |', '|---|---|---|');
    for (const f of r.figures) lines.push(`| ${f.label} | ${formatValue(f)} | ${formatTarget(f)}${missed(f) ? ' **missed**' : ''} |`);
    if (r.failures.length > 0) lines.push('', ...r.failures.map((f) => `- ${f}`));
  }
  return `${lines.join('\n')}\n`;
}
