import { describe, expect, it } from '@jest/globals';
import { MeterProvider, MetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { CycleResetReason } from '@omtobe/proto/state-engine/v1';
import { createDecisionLogMetrics } from './metrics.ts';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function sums(reader: CollectingReader): Promise<Record<string, Array<{ attributes: object; value: number }>>> {
  const { resourceMetrics } = await reader.collect();
  const out: Record<string, Array<{ attributes: object; value: number }>> = {};
  for (const metric of resourceMetrics.scopeMetrics.flatMap((s) => s.metrics) as SumMetricData[]) {
    out[metric.descriptor.name] = metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value }));
  }
  return out;
}

describe('decision-log metrics', () => {
  it('count decisions, reflections and cycle resets by answer or reason, with no user in the attributes', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const metrics = createDecisionLogMetrics(provider.getMeter('decision-log'));
    metrics.decisionRecorded('Delay');
    metrics.decisionRecorded('Delay');
    metrics.decisionRecorded('Proceed');
    metrics.reflectionRecorded('Skip');
    metrics.cycleReset(CycleResetReason.EXPIRED);
    metrics.userErased();

    const seen = await sums(reader);
    expect(seen['decision_log.decisions.recorded']).toEqual(
      expect.arrayContaining([
        { attributes: { decision: 'Delay' }, value: 2 },
        { attributes: { decision: 'Proceed' }, value: 1 },
      ]),
    );
    expect(seen['decision_log.reflections.recorded']).toEqual([{ attributes: { response: 'Skip' }, value: 1 }]);
    expect(seen['decision_log.cycle_resets']).toEqual([{ attributes: { reason: 'expired' }, value: 1 }]);
    expect(seen['decision_log.users.erased']).toEqual([{ attributes: {}, value: 1 }]);
    await provider.shutdown();
  });
});
