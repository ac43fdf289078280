import net from 'node:net';

/**
 * The second guard on development mode. OMTOBE_MODE=development turns on doors no deployment may have: the
 * gateway's token issuer (a token for any user id), mock providers, the development clock, the public
 * token-encryption key. So development mode also needs a loopback bind, and production refuses every
 * development setting, by name. loadConfig applies both rules to every service's environment.
 */

/**
 * Lets a development-mode service listen beyond loopback. Only for a private network nobody else reaches:
 * docker-compose sets it inside its own network, whose ports are published on 127.0.0.1 alone.
 */
export const networkOverrideVariable = 'UNSAFE_DEVELOPMENT_ON_NETWORK';

/** Where a service listens unless HOST says otherwise. Pods must listen on every interface to be reached. */
export const defaultHost = { development: '127.0.0.1', production: '0.0.0.0' } as const;

// Variables that only configure development features (integrations' MOCK_PROVIDERS, MOCK_HRV_INTERVAL_MINUTES, …).
const developmentPrefixes = ['MOCK_', 'DEV_'];
const truthy = new Set(['true', '1', 'yes', 'on', 'y', 'enabled']);

/** 127.0.0.0/8, ::1 (and IPv4 loopback mapped into IPv6), or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (!net.isIPv6(h)) return false;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1]!.startsWith('127.');
}

/**
 * Problems with the environment under the two rules, each naming its variable. `input` holds the set (non-empty)
 * variables, OMTOBE_MODE already derived; `known` the variables the service's schema declares (a development-only
 * name it does not declare is not its business: Kubernetes' service links, say).
 */
export function developmentModeProblems(input: Readonly<Record<string, string>>, known: ReadonlySet<string>): string[] {
  const mode = input.OMTOBE_MODE ?? 'development';
  const overridden = truthy.has((input[networkOverrideVariable] ?? '').trim().toLowerCase());
  if (mode === 'development') {
    const host = input.HOST;
    if (host === undefined || isLoopbackHost(host) || overridden || !isListenAddress(host)) return [];
    return [
      `HOST: development mode listens on loopback only (127.0.0.1 or ::1): its token issuer, mock providers and clock must not be reachable from the network; ` +
        `set OMTOBE_MODE=production, or ${networkOverrideVariable}=true on a private network only`,
    ];
  }
  if (mode !== 'production') return [];
  const problems: string[] = [];
  for (const name of Object.keys(input).sort()) {
    if (known.has(name) && developmentPrefixes.some((prefix) => name.startsWith(prefix))) {
      problems.push(`${name}: is a development setting; production refuses it (unset it)`);
    }
  }
  if (overridden) problems.push(`${networkOverrideVariable}: is a development setting; production refuses it (unset it)`);
  return problems;
}

/** What HOST may be: an IP address to bind, or localhost. */
export function isListenAddress(host: string): boolean {
  return net.isIP(host) !== 0 || host === 'localhost';
}
