import pg from 'pg';

/**
 * Seeds users straight into the services' schemas with bulk SQL — the rows the services themselves would
 * have written after each user registered, uploaded a week of HealthKit SDNN readings and had high-stakes
 * meetings on the calendar (through the API that takes hours for 100,000 users):
 *
 * - gateway.users; integrations.known_users (users.v1 reached it);
 * - integrations.hrv_samples and state_engine.hrv_samples: the same readings, every 24/samplesPerDay hours
 *   over the past week, the latest a few minutes ago; state_engine.hrv_latest: the latest reading with the
 *   baseline the consumer computes (mean and population deviation of the 7 days before it, when there are
 *   ≥ 3 samples on ≥ 2 local days);
 * - integrations.calendar_events (source `mock`, as development mode's calendar) and
 *   state_engine.high_stakes_events: a running "Board Review" for two users in three, and a negotiation
 *   tomorrow for everyone;
 * - state_engine.user_states: a cycle on Day 1–7 (by user number), its start date in the user's zone, due
 *   when the cycle ends (the next local midnight after Day 7 — hours away, see zones.ts).
 */
export interface SeedCohort {
  /** User ids are `<prefix><number, 7 digits>`, numbers from..to-1. */
  prefix: string;
  from: number;
  to: number;
  /** A fixed cycle day for everyone (the decide loop), or Day 1–7 by number. */
  day?: number;
  /** Everyone in a running high-stakes meeting with a 35% HRV drop just measured (the decide loop). */
  braking?: boolean;
  /**
   * The delivery scenario's cohorts (bench/src/scenarios/delivery.ts), overriding the mix above for everyone:
   * in a running meeting or not, the latest reading dropped or not, and its age (stale beyond 60 minutes).
   */
  runningEvent?: boolean;
  dropped?: boolean;
  latestAgeSeconds?: number;
}

export const userId = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}`;

export async function seedCohort(databaseUrl: string, cohort: SeedCohort, options: { now: Date; zones: string[]; samplesPerDay: number }): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { now, zones } = options;
    const perWeek = Math.round(7 * options.samplesPerDay);
    const spacingSeconds = Math.floor(86_400 / options.samplesPerDay);
    await client.query('begin');
    await client.query(
      `create temp table seed_u on commit drop as
       select g as i, $1::text || lpad(g::text, 7, '0') as user_id, z.zone as tz,
              coalesce($5::int, 1 + (g % 7)) as day,
              (38 + (g * 7919) % 31)::float8 as norm,
              coalesce($7::bool, $6::bool or g % 3 <> 2) as active_event,
              coalesce($8::bool, $6::bool or g % 4 = 0) as dropped,
              coalesce($9::int, case when $6::bool then 30 else 120 + (g % 20) * 60 end) as latest_age_s
       from generate_series($2::int, $3::int - 1) g
       join unnest($4::text[]) with ordinality z(zone, n) on z.n = (g % cardinality($4::text[])) + 1`,
      [cohort.prefix, cohort.from, cohort.to, zones, cohort.day ?? null, cohort.braking ?? false, cohort.runningEvent ?? null, cohort.dropped ?? null, cohort.latestAgeSeconds ?? null],
    );
    await client.query(
      `create temp table seed_s on commit drop as
       select u.user_id, u.tz, k, upper(md5(u.user_id || ':' || k)::uuid::text) as sample_id,
              (case when k = 0 and u.dropped then round((u.norm * 0.65)::numeric, 1)
                    else round((u.norm + ((u.i * 3 + k * 5) % 11) - 5)::numeric, 1) end)::float8 as value_ms,
              case when k = 0 then $1::timestamptz - make_interval(secs => u.latest_age_s)
                   else $1::timestamptz - make_interval(secs => k * $3::int + (u.i % 600)) end as measured_at
       from seed_u u cross join generate_series(0, $2::int - 1) k`,
      [now, perWeek, spacingSeconds],
    );
    const statements: Array<[string, unknown[]]> = [
      [
        `insert into gateway.users (user_id, email, timezone, created_at, updated_at)
         select user_id, user_id || '@bench.omtobe.test', tz, $1::timestamptz - interval '30 days', $1::timestamptz - interval '30 days' from seed_u`,
        [now],
      ],
      [
        `insert into integrations.known_users (user_id, timezone, registered_at, mock_drop_ratio, mock_drop_until)
         select user_id, tz, $1::timestamptz - interval '30 days', null, null from seed_u`,
        [now],
      ],
      [
        `insert into state_engine.user_states (user_id, timezone, cycle_start_date, cycle_started_at, registered_at, reflection_answered_at,
                                               next_cycle_start_date, pending_event_id, cooling_until, locked_event_ids, due_at, updated_at)
         select user_id, tz, start_date, start_date::timestamp at time zone tz, $1::timestamptz - interval '30 days', null,
                null, null, null, '{}', (start_date + 7)::timestamp at time zone tz, $1::timestamptz
         from (select user_id, tz, (($1::timestamptz at time zone tz)::date - (day - 1)) as start_date from seed_u) s`,
        [now],
      ],
      [
        `insert into integrations.hrv_samples (user_id, source, sample_id, metric, value_ms, measured_at, received_at)
         select user_id, 'healthkit', sample_id, 'sdnn', value_ms, measured_at, least($1::timestamptz, measured_at + interval '1 minute') from seed_s`,
        [now],
      ],
      [`insert into state_engine.hrv_samples (user_id, metric, sample_id, value_ms, measured_at) select user_id, 'sdnn', sample_id, value_ms, measured_at from seed_s`, []],
      [
        // The consumer's baseline (engine/baselines.ts): the window is the 7 days before the latest reading,
        // which holds every older seeded reading (the oldest is < 7 days before the latest).
        `insert into state_engine.hrv_latest (user_id, metric, value_ms, measured_at, baseline_mean_ms, baseline_std_dev_ms, baseline_sample_count)
         select l.user_id, 'sdnn', l.value_ms, l.measured_at,
                case when w.ok then w.s / w.n end,
                case when w.ok then sqrt(greatest(0, w.sq / w.n - (w.s / w.n) * (w.s / w.n))) end,
                w.n
         from seed_s l
         join (select user_id, count(*)::int as n, sum(value_ms) as s, sum(value_ms * value_ms) as sq,
                      count(*) >= 3 and count(distinct (measured_at at time zone tz)::date) >= 2 as ok
               from seed_s where k > 0 group by user_id) w using (user_id)
         where l.k = 0`,
        [],
      ],
      [
        `create temp table seed_e on commit drop as
         select user_id, 'bench-' || left(md5(user_id || ':board'), 20) as event_id, 'Board Review' as title,
                $1::timestamptz - make_interval(mins => 5 + i % 50) as starts_at, $1::timestamptz + interval '4 hours' as ends_at
         from seed_u where active_event
         union all
         select user_id, 'bench-' || left(md5(user_id || ':negotiation'), 20), 'Vendor negotiation',
                $1::timestamptz + interval '1 day' + make_interval(hours => i % 8), $1::timestamptz + interval '1 day' + make_interval(hours => i % 8, mins => 90)
         from seed_u`,
        [now],
      ],
      [
        `insert into integrations.calendar_events (user_id, source, event_id, title, starts_at, ends_at, updated_at)
         select user_id, 'mock', event_id, title, starts_at, ends_at, $1::timestamptz - interval '1 hour' from seed_e`,
        [now],
      ],
      [`insert into state_engine.high_stakes_events (user_id, event_id, title, starts_at, ends_at) select user_id, event_id, title, starts_at, ends_at from seed_e`, []],
    ];
    for (const [text, values] of statements) await client.query(text, values);
    await client.query('commit');
    // Settle what a bulk load leaves behind before anything is measured: planner statistics, hint bits and the
    // visibility map (otherwise autovacuum and the first readers do it during the runs), and dirty buffers.
    await client.query(
      'vacuum (analyze) gateway.users, integrations.known_users, integrations.hrv_samples, integrations.calendar_events, ' +
        'state_engine.user_states, state_engine.hrv_samples, state_engine.hrv_latest, state_engine.high_stakes_events',
    );
    await client.query('checkpoint');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
