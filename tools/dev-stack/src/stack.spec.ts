import { describe, expect, it } from '@jest/globals';
import { services } from './services.ts';
import { serviceEnv, type ServicePorts } from './stack.ts';

const ports: ServicePorts = { 'state-engine': 50051, 'decision-log': 50052, integrations: 50053, gateway: 8080 };

describe('the environment npm start gives each service', () => {
  it('binds every service to 127.0.0.1 and points it at its peers there, whatever the shell exported', () => {
    for (const service of services) {
      const env = serviceEnv(service, ports, { HOST: '0.0.0.0', UNSAFE_DEVELOPMENT_ON_NETWORK: 'true', OMTOBE_MODE: 'development', KEEP: 'me' });
      expect(env).toMatchObject({
        HOST: '127.0.0.1',
        PORT: String(ports[service.name]),
        STATE_ENGINE_URL: 'http://127.0.0.1:50051',
        DECISION_LOG_URL: 'http://127.0.0.1:50052',
        INTEGRATIONS_URL: 'http://127.0.0.1:50053',
        KEEP: 'me',
      });
      expect(env.UNSAFE_DEVELOPMENT_ON_NETWORK).toBeUndefined();
    }
  });
});
