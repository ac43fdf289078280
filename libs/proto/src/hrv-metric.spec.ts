import { describe, expect, it } from '@jest/globals';
import { HrvMetric } from './gen/omtobe/integrations/v1/events_pb.js';
import { hrvMetricName, hrvMetricToProto } from './hrv-metric.ts';

describe('HRV metric names', () => {
  it('maps each stored name to its enum value and back', () => {
    expect(hrvMetricToProto('sdnn')).toBe(HrvMetric.SDNN);
    expect(hrvMetricToProto('rmssd')).toBe(HrvMetric.RMSSD);
    expect(hrvMetricName(HrvMetric.SDNN)).toBe('sdnn');
    expect(hrvMetricName(HrvMetric.RMSSD)).toBe('rmssd');
  });

  it('has no name for UNSPECIFIED or an unknown value', () => {
    expect(hrvMetricName(HrvMetric.UNSPECIFIED)).toBeUndefined();
    expect(hrvMetricName(99 as HrvMetric)).toBeUndefined();
  });
});
