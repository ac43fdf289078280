// omtobe.state_engine.v1: the state engine's API, shared types and the decisions.v1 events.
export * from './gen/omtobe/state_engine/v1/state_engine_pb.js';
export * from './gen/omtobe/state_engine/v1/types_pb.js';
export * from './gen/omtobe/state_engine/v1/events_pb.js';
