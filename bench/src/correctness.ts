// What the benchmark checks besides speed. A missed speed target is reported (this machine's pace varies by up
// to 2× between runs); a wrong answer fails the run: `npm run bench` exits non-zero when any check here failed.
// A check with nothing to look at fails too: 0 answers compared, or 0 decisions recorded, proves nothing.
import type { CheckAtScale } from './scenarios/check.ts';
import type { DecideResult } from './scenarios/decide.ts';

export interface CorrectnessCheck {
  check: string;
  value: string;
  status: 'passed' | 'failed' | 'not run';
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Every correctness check of the runs that happened, passed or failed with what was seen; the others not run. */
export function evaluateCorrectness(check: readonly CheckAtScale[], decide?: DecideResult): CorrectnessCheck[] {
  const checks: CorrectnessCheck[] = [];
  const add = (name: string, value: string, passed: boolean) => checks.push({ check: name, value, status: passed ? 'passed' : 'failed' });
  const notRun = (name: string) => checks.push({ check: name, value: '–', status: 'not run' });

  const compared = check.filter((s) => s.agreement !== undefined);
  if (compared.length === 0) notRun('floor: the same answers as the gateway');
  for (const s of compared) {
    const a = s.agreement!;
    add(
      `floor: the same answers as the gateway @ ${fmt(s.users)} users`,
      a.compared === 0 ? 'no answers compared' : `${fmt(a.differing)} of ${fmt(a.compared)} differ${a.example ? `, e.g. ${JSON.stringify(a.example)}` : ''}`,
      a.compared > 0 && a.differing === 0,
    );
  }

  if (!decide) {
    for (const name of ['decide: every user’s every round recorded once', 'decide: every answer as expected', 'decide: the decision log holds exactly the recorded decisions', 'decide: replays answered the same', 'decide: double taps recorded once']) {
      notRun(name);
    }
    return checks;
  }
  const wanted = decide.users * decide.rounds;
  const perUser = decide.recordedPerUser;
  add(
    'decide: every user’s every round recorded once',
    `${fmt(decide.decisions)} decisions recorded of ${fmt(wanted)} (${fmt(perUser.fewer)} users with fewer than ${decide.rounds}, ${fmt(perUser.more)} with more)`,
    decide.decisions > 0 && decide.decisions === wanted && perUser.fewer === 0 && perUser.more === 0,
  );
  const odd = Object.entries(decide.unexpected);
  add(
    'decide: every answer as expected',
    odd.length === 0 ? 'brake before every answer, cooling or the lock after' : odd.map(([what, n]) => `${what}: ${fmt(n)}`).join('; '),
    odd.length === 0,
  );
  const p = decide.proof;
  add(
    'decide: the decision log holds exactly the recorded decisions',
    `${fmt(p.logRows)} rows for ${fmt(decide.decisions)} decisions: ${fmt(p.matching)} matching, ${fmt(p.missing)} missing, ${fmt(p.unexpected)} unexpected, ${fmt(p.doubled)} doubled${p.perUserExact ? '' : ', per-user counts differ'}`,
    decide.decisions > 0 && p.logRows === decide.decisions && p.matching === decide.decisions && p.missing === 0 && p.unexpected === 0 && p.doubled === 0 && p.perUserExact,
  );
  const r = decide.replays;
  add('decide: replays answered the same', `${fmt(r.sameAnswer)} of ${fmt(r.sent)} retries (same Idempotency-Key) answered with the first decision`, r.sent > 0 && r.sameAnswer === r.sent);
  const t = decide.doubleTaps;
  add('decide: double taps recorded once', `${fmt(t.oneRecorded)} of ${fmt(t.sent)} double taps recorded one decision and refused the other`, t.sent > 0 && t.oneRecorded === t.sent);
  return checks;
}

/** The checks that failed: any one fails the run. */
export const failedChecks = (checks: readonly CorrectnessCheck[]) => checks.filter((c) => c.status === 'failed');

/** `npm run bench`'s exit code: 1 when the run stopped or any correctness check failed; missed speed targets do not count. */
export const exitCode = (stopped: boolean, checks: readonly CorrectnessCheck[]): 0 | 1 => (stopped || failedChecks(checks).length > 0 ? 1 : 0);
