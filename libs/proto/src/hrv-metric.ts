// HRV metrics between the contract's enum and the names the services store ('sdnn', 'rmssd'): one table both ways.
import { HrvMetric } from './gen/omtobe/integrations/v1/events_pb.js';

export type HrvMetricName = 'sdnn' | 'rmssd';

const toProto: Record<HrvMetricName, HrvMetric> = { sdnn: HrvMetric.SDNN, rmssd: HrvMetric.RMSSD };

export function hrvMetricToProto(name: HrvMetricName): HrvMetric {
  return toProto[name];
}

/** The stored name of a metric from an event or a request; undefined for UNSPECIFIED or a value this build does not know. */
export function hrvMetricName(metric: HrvMetric): HrvMetricName | undefined {
  return (Object.keys(toProto) as HrvMetricName[]).find((name) => toProto[name] === metric);
}
