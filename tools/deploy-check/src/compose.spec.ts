import { describe, expect, it } from '@jest/globals';
import { composeProblems, interpolate, loadCompose, type ComposeService } from './compose.ts';
import { deployPaths } from './paths.ts';

const compose = loadCompose(deployPaths.compose);
const services = Object.entries(compose.services);

describe('docker-compose.yml against the Compose Specification', () => {
  it('is valid', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('the schema catches a misspelt key and a wrong type (it is not vacuous)', () => {
    const broken = structuredClone(compose);
    (broken.services.postgres as Record<string, unknown>).healthcheck = { test: ['CMD', 'true'], intervall: '5s' };
    (broken.services.kafka as Record<string, unknown>).ports = 9092;
    expect(composeProblems(broken)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/services\/postgres\/healthcheck.*"intervall"/), expect.stringMatching(/\/services\/kafka\/ports: must be array/)]),
    );
  });

  it('interpolates as Compose does, with an empty environment', () => {
    expect(interpolate('a ${X:-one} ${Y-two} ${Z} $$1 $W')).toBe('a one two  $1 ');
    expect(interpolate('${X:-one}', { X: 'set' })).toBe('set');
    expect(() => interpolate('${X:?required}')).toThrow(/unsupported/);
  });
});

describe('docker-compose.yml structure', () => {
  it('starts on health: every dependency waits for a health check or a successful one-shot run', () => {
    const problems: string[] = [];
    for (const [name, service] of services) {
      const dependsOn = service.depends_on ?? {};
      if (Array.isArray(dependsOn)) {
        problems.push(`${name}: depends_on without conditions`);
        continue;
      }
      for (const [target, { condition }] of Object.entries(dependsOn)) {
        const dependency: ComposeService | undefined = compose.services[target];
        if (dependency === undefined) problems.push(`${name}: depends on unknown service ${target}`);
        else if (condition === 'service_healthy' && dependency.healthcheck?.test === undefined) problems.push(`${name}: waits for ${target} to be healthy, which has no health check`);
        else if (condition === 'service_completed_successfully' && dependency.restart !== 'no') problems.push(`${name}: waits for ${target} to complete, which restarts`);
        else if (condition === 'service_started' && target !== 'otel-collector') problems.push(`${name}: waits only for ${target} to start`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs the infrastructure the issue names: PostgreSQL, Kafka in KRaft mode with topic creation, Envoy, a collector', () => {
    expect(compose.services.postgres?.image).toMatch(/^postgres:\d+/);
    const kafka = compose.services.kafka;
    expect(kafka?.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka?.environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(compose.services['kafka-topics']?.image).toBe(kafka?.image);
    expect(compose.services.envoy?.image).toMatch(/^envoyproxy\/envoy:/);
    expect(compose.services['otel-collector']?.image).toMatch(/^otel\/opentelemetry-collector/);
  });

  it('pins every image to a version', () => {
    for (const [name, service] of services) {
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/:[\w.-]+$/) });
      expect(service.image).not.toMatch(/:latest$/);
    }
  });

  it('keeps application containers locked down: read-only root, no capabilities', () => {
    for (const [name, service] of services.filter(([, s]) => s.build !== undefined || s.image?.startsWith('envoyproxy/'))) {
      expect({ name, read_only: service.read_only, cap_drop: service.cap_drop }).toEqual({ name, read_only: true, cap_drop: ['ALL'] });
    }
  });
});
