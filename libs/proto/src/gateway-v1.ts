// omtobe.gateway.v1: the public API and the users.v1 events.
export * from './gen/omtobe/gateway/v1/gateway_pb.js';
export * from './gen/omtobe/gateway/v1/events_pb.js';
