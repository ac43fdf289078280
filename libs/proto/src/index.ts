// The contracts as one set, for what needs all of them (server reflection, decoding an event by its type header).
// Each package's messages and services are imported from its own entry point ('@omtobe/proto/<svc>/v1', see
// package.json "exports"); everything under ./gen is generated from proto/ by `npm run generate`: never edit it.
import { createRegistry, type DescFile } from '@bufbuild/protobuf';
import { file_omtobe_decision_log_v1_decision_log } from './gen/omtobe/decision_log/v1/decision_log_pb.js';
import { file_omtobe_gateway_v1_events } from './gen/omtobe/gateway/v1/events_pb.js';
import { file_omtobe_gateway_v1_gateway } from './gen/omtobe/gateway/v1/gateway_pb.js';
import { file_omtobe_integrations_v1_events } from './gen/omtobe/integrations/v1/events_pb.js';
import { file_omtobe_integrations_v1_integrations } from './gen/omtobe/integrations/v1/integrations_pb.js';
import { file_omtobe_state_engine_v1_events } from './gen/omtobe/state_engine/v1/events_pb.js';
import { file_omtobe_state_engine_v1_state_engine } from './gen/omtobe/state_engine/v1/state_engine_pb.js';

/** Every file of the project's contracts: for server reflection (their imports hang off each file). */
export const contractFiles: readonly DescFile[] = [
  file_omtobe_gateway_v1_gateway,
  file_omtobe_gateway_v1_events,
  file_omtobe_state_engine_v1_state_engine,
  file_omtobe_state_engine_v1_events,
  file_omtobe_decision_log_v1_decision_log,
  file_omtobe_integrations_v1_integrations,
  file_omtobe_integrations_v1_events,
];

/** Every message, enum and service of the contracts, by full name: for decoding events by their type header. */
export const contracts = createRegistry(...contractFiles);
