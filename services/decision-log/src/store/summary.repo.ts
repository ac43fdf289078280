import { sql } from 'kysely';
import { brakeFollowUpWindowMs, type SummaryRange } from '../domain/summary-range.ts';
import type { Db } from './database.ts';

export interface Summary {
  proceedCount: number;
  delayCount: number;
  delayFollowedByBrakeCount: number;
  reflectionYesCount: number;
  reflectionNoCount: number;
  reflectionSkipCount: number;
}

/**
 * The seed's key metrics over [from, to), across all users. A Delay counts as "followed by the brake"
 * when the user's next decision (by time, then id) is on the same cycle day of the same cycle — a
 * decision is only accepted for a showing brake, so that next decision means the brake came back after
 * the cooling period. The follow-up may fall after `to` (it is the outcome of a Delay inside the range),
 * so the window scans up to `to` + the follow-up window.
 */
export async function summarize(db: Db, range: SummaryRange): Promise<Summary> {
  const { from, to } = range;
  const scanTo = new Date(to.getTime() + brakeFollowUpWindowMs);
  const window = `${brakeFollowUpWindowMs} milliseconds`;
  const decisions = await sql<{ proceed: number; delay: number; delay_followed: number }>`
    select
      count(*) filter (where decided_at < ${to} and decision = 'Proceed') as proceed,
      count(*) filter (where decided_at < ${to} and decision = 'Delay') as delay,
      count(*) filter (
        where decided_at < ${to} and decision = 'Delay'
          and next_cycle_day = cycle_day
          and next_decided_at < decided_at + ${window}::interval
      ) as delay_followed
    from (
      select decision, decided_at, cycle_day,
        lead(cycle_day) over by_user as next_cycle_day,
        lead(decided_at) over by_user as next_decided_at
      from decision_logs
      where decided_at >= ${from} and decided_at < ${scanTo}
      window by_user as (partition by user_id order by decided_at, decision_id)
    ) as with_next`.execute(db);

  const reflections = await db
    .selectFrom('reflection_logs')
    .select((eb) => [
      eb.fn.countAll<number>().filterWhere('response', '=', 'Yes').as('yes'),
      eb.fn.countAll<number>().filterWhere('response', '=', 'No').as('no'),
      eb.fn.countAll<number>().filterWhere('response', '=', 'Skip').as('skip'),
    ])
    .where('answered_at', '>=', from)
    .where('answered_at', '<', to)
    .executeTakeFirstOrThrow();

  const d = decisions.rows[0] ?? { proceed: 0, delay: 0, delay_followed: 0 };
  return {
    proceedCount: d.proceed,
    delayCount: d.delay,
    delayFollowedByBrakeCount: d.delay_followed,
    reflectionYesCount: reflections.yes,
    reflectionNoCount: reflections.no,
    reflectionSkipCount: reflections.skip,
  };
}
