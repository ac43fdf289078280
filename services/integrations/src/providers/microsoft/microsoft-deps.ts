import { FailedPreconditionError } from '@omtobe/platform';
import type { Deps } from '../../operations/deps.ts';
import type { Microsoft } from './microsoft.ts';

/** The service with Microsoft configured: what every Microsoft use case takes. */
export type MicrosoftDeps = Deps & { microsoft: Microsoft };

/** The Microsoft use cases' view of the service, refused (FAILED_PRECONDITION) where Microsoft is not configured. */
export function microsoftOf(deps: Deps & { microsoft?: Microsoft }): MicrosoftDeps {
  if (!deps.microsoft) throw new FailedPreconditionError('Microsoft 365 is not configured', { reason: 'provider_not_configured' });
  return deps as MicrosoftDeps;
}
