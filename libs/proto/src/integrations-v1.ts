// omtobe.integrations.v1: the integrations API and the hrv.v1 / calendar.v1 events.
export * from './gen/omtobe/integrations/v1/integrations_pb.js';
export * from './gen/omtobe/integrations/v1/events_pb.js';
export * from './hrv-metric.ts';
