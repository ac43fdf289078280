// Validators and readers for the deployment artifacts (deploy/, docker-compose.yml), used by this project's
// specs; see deploy/README.md for what each check covers and where it stops.
export { composeProblems, composeEnvironment, interpolate, loadCompose, type ComposeFile, type ComposeService } from './compose.ts';
export { dockerfileLintProblems, execForm, parseDockerfile, stageEnv, type Stage } from './dockerfile.ts';
export { loadEnvoyApi, type EnvoyApi } from './envoy-api.ts';
export { kubernetesProblems } from './kubernetes-schema.ts';
export { renderKustomization, type K8sObject } from './kustomize.ts';
export { kafkaTopicProblems, kafkaUserProblems } from './strimzi-schema.ts';
export { certificateProblems } from './cert-manager-schema.ts';
export { customResourceProblems, operatorSecrets } from './custom-resources.ts';
export { aclProblems, expectedAcls, kafkaOwnership, kafkaUseInCode, ownershipProblems, type AclRule, type KafkaUser } from './kafka-access.ts';
export { configProblems, loadServiceConfigs, serviceNames, unknownVariables, type ServiceConfig, type ServiceName } from './services.ts';
