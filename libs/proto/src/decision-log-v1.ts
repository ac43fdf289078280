// omtobe.decision_log.v1: the decision log's API.
export * from './gen/omtobe/decision_log/v1/decision_log_pb.js';
