/**
 * Variables that only work together (a provider's OAuth client, the APNs key): all of them set, or none. A group
 * half set is a mistake worth stopping the start for, naming each missing variable, rather than a provider that
 * silently stays off.
 */
export function allOrNone<K extends string>(config: Partial<Record<K, unknown>>, group: readonly K[]): { set: K[]; problems: Array<{ path: K; message: string }> } {
  const set = group.filter((name) => config[name] !== undefined);
  const missing = set.length > 0 ? group.filter((name) => config[name] === undefined) : [];
  return { set, problems: missing.map((path) => ({ path, message: `is required when ${set.join(', ')} is set` })) };
}

/** The three variables of a provider's OAuth client (`WHOOP_CLIENT_ID`, `WHOOP_CLIENT_SECRET`, `WHOOP_REDIRECT_URI`). */
export function oauthClientVariables<P extends string>(provider: P) {
  return [`${provider}_CLIENT_ID`, `${provider}_CLIENT_SECRET`, `${provider}_REDIRECT_URI`] as const;
}

/** A provider's OAuth client when its three variables are set (configured), undefined otherwise (the provider is off). */
export function oauthClientFrom<P extends string>(
  config: Partial<Record<`${P}_CLIENT_ID` | `${P}_CLIENT_SECRET` | `${P}_REDIRECT_URI`, string>>,
  provider: P,
): { clientId: string; clientSecret: string; redirectUri: string } | undefined {
  const [id, secret, redirect] = oauthClientVariables(provider);
  const clientId = config[id];
  const clientSecret = config[secret];
  const redirectUri = config[redirect];
  return clientId && clientSecret && redirectUri ? { clientId, clientSecret, redirectUri } : undefined;
}
