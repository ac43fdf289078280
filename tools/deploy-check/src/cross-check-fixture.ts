// Shared by the cross-check specs: the deployment artifacts and the services' configuration contracts, with
// helpers that read a service's environment and ports the way compose and the kubelet assemble them.
import { composeEnvironment, type ComposeService } from './compose.ts';
import { imageEnvironment, loadDeployment, overlayNames, sampleSecret, type Deployment } from './deployment.ts';
import { byKind } from './kustomize.ts';
import { loadServiceConfigs, type ServiceConfig } from './services.ts';
import { containerEnvironment, containerPort, find, selects, type Container, type ServiceObject, type Workload } from './workloads.ts';

export { overlayNames };
export const msPerHour = 3_600_000;

export interface CrossCheck {
  deployment: Deployment;
  services: ServiceConfig[];
  service(name: string): ServiceConfig;
  composeService(name: string): ComposeService;
  /** The environment compose gives a service, over the image's own ENV. */
  composeEnv(name: string): Record<string, string>;
  k8s(overlay: (typeof overlayNames)[number]): ReturnType<typeof overlayView>;
}

export async function loadCrossCheck(): Promise<CrossCheck> {
  const deployment = loadDeployment();
  const services = await loadServiceConfigs();
  const composeService = (name: string) => {
    const found = deployment.compose.services[name];
    if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };
  return {
    deployment,
    services,
    service: (name) => services.find((s) => s.name === name) as ServiceConfig,
    composeService,
    composeEnv: (name) => ({ ...imageEnvironment(deployment), ...composeEnvironment(composeService(name)) }),
    k8s: (overlay) => overlayView(deployment, overlay),
  };
}

function overlayView(deployment: Deployment, overlay: (typeof overlayNames)[number]) {
  const objects = deployment.overlays[overlay];
  const workload = (kind: 'Deployment' | 'Job', name: string) => {
    const found = find<Workload>(objects, kind, name);
    if (found === undefined) throw new Error(`${overlay}: no ${kind} ${name}`);
    return { object: found, container: found.spec.template.spec.containers[0] as Container };
  };
  /** The environment of a workload's container: the image's ENV, ConfigMaps, env, Secret references as samples. */
  const env = (kind: 'Deployment' | 'Job', name: string) => {
    const { object, container } = workload(kind, name);
    return { ...imageEnvironment(deployment), ...containerEnvironment(objects, object.metadata.namespace, container, sampleSecret) };
  };
  /** The container port a Service port leads to, in the pods the Service selects. */
  const serviceTarget = (serviceName: string, port: number) => {
    const svc = find<ServiceObject>(objects, 'Service', serviceName);
    const servicePort = svc?.spec.ports.find((p) => p.port === port);
    const pod = byKind<Workload>(objects, 'Deployment').find((d) => svc?.spec.selector && selects(svc.spec.selector, d.spec.template.metadata.labels));
    if (!servicePort || !pod) return undefined;
    return containerPort(pod.spec.template.spec.containers[0] as Container, servicePort.targetPort ?? servicePort.port);
  };
  return { objects, workload, env, serviceTarget };
}
