import { timestampDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError } from '@omtobe/platform';

/** The half-open range [from, to) a summary covers. */
export interface SummaryRange {
  from: Date;
  to: Date;
}

/**
 * How long after a Delay another decision still counts as "the brake showed again". Two decisions of
 * one user with the same cycle day less than this apart are on the same day of the same cycle: the
 * same day number comes back only a cycle (7 days) later.
 */
export const brakeFollowUpWindowMs = 2 * 24 * 60 * 60 * 1000;

export function summaryRange(from: Timestamp | undefined, to: Timestamp | undefined): SummaryRange {
  if (from === undefined) throw invalidRange('from is required');
  if (to === undefined) throw invalidRange('to is required');
  const range = { from: timestampDate(from), to: timestampDate(to) };
  if (Number.isNaN(range.from.getTime()) || Number.isNaN(range.to.getTime())) throw invalidRange('from and to must be valid times');
  if (range.from.getTime() >= range.to.getTime()) throw invalidRange('from must be before to');
  return range;
}

function invalidRange(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { reason: 'invalid_range' });
}
