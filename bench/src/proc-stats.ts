import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * CPU and memory of every process of the system, read from /proc (Linux). Processes are grouped into roles:
 * the named ones by pid (a service, the load generator, the floor server, this driver) with their
 * descendants, PostgreSQL by its process name (the postmaster and every backend), the rest as `other`.
 *
 * Per measurement window: CPU seconds (utime+stime, plus the children's once reaped, so backends that exit
 * are not lost) and peak memory. For a single-process role the peak is the kernel's own high-water mark
 * (VmHWM, reset at the window's start through /proc/<pid>/clear_refs); PostgreSQL's processes share their
 * buffers, so for it the peak is the highest sampled sum of PSS (proportional set size) instead.
 */
export interface RoleUsage {
  /** CPU seconds used in the window. */
  cpuSeconds: number;
  /** Average cores busy: cpuSeconds / window seconds. */
  cores: number;
  peakRssMb: number;
  processes: number;
}

/** Per role, and the whole host (busy = all but idle and iowait; steal and softirq shown apart too). */
export interface Usage {
  roles: Record<string, RoleUsage>;
  machine: MachineUsage;
}

export interface MachineUsage {
  busyCores: number;
  stealCores: number;
  softirqCores: number;
}

/** The host's CPU counters (ticks): user nice system idle iowait irq softirq steal. */
function machineTicks(): number[] {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  return line.trim().split(/\s+/).slice(1, 9).map(Number);
}

interface ProcSample {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readStat(pid: number): ProcSample | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime, stime, cutime, cstime are fields 14–17.
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { pid, ppid: Number(fields[1]), comm, ticks };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKb(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : statusKb(pid, 'VmRSS');
  } catch {
    return 0;
  }
}

export class ProcessMonitor {
  private readonly named = new Map<number, string>();
  private readonly root = process.pid;

  /** Names a process (and, through it, its descendants). */
  name(pid: number | undefined, role: string): void {
    if (pid !== undefined) this.named.set(pid, role);
  }

  /** Every live descendant of this process (and itself) with its role. */
  private snapshot(): Array<ProcSample & { role: string }> {
    const all = new Map<number, ProcSample>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = readStat(Number(entry));
      if (s) all.set(s.pid, s);
    }
    const result: Array<ProcSample & { role: string }> = [];
    for (const s of all.values()) {
      let role: string | undefined;
      let inTree = false;
      for (let p: ProcSample | undefined = s, hops = 0; p && hops < 64; p = all.get(p.ppid), hops += 1) {
        role ??= this.named.get(p.pid);
        if (p.pid === this.root) {
          inTree = true;
          break;
        }
      }
      if (!inTree) continue;
      if (s.pid === this.root) role = 'bench-driver';
      else if (s.comm === 'postgres') role = 'postgres';
      else if (role === undefined && s.comm.includes('broker')) role = 'kafka-broker';
      result.push({ ...s, role: role ?? 'other' });
    }
    return result;
  }

  /** Starts a measurement window; `stop()` returns the usage per role. */
  window(sampleEveryMs = 250): { stop(): Usage } {
    const started = performance.now();
    const machineAtStart = machineTicks();
    const baseline = new Map(this.snapshot().map((s) => [s.pid, s.ticks]));
    for (const pid of baseline.keys()) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      } catch {
        // not permitted (not root) or gone: the peak then covers the process's whole life
      }
    }
    const peaks = new Map<string, number>();
    const sample = () => {
      const sums = new Map<string, number>();
      for (const s of this.snapshot()) {
        const kb = s.role === 'postgres' ? pssKb(s.pid) : statusKb(s.pid, 'VmRSS');
        sums.set(s.role, (sums.get(s.role) ?? 0) + kb);
      }
      for (const [role, kb] of sums) peaks.set(role, Math.max(peaks.get(role) ?? 0, kb));
    };
    const timer = setInterval(sample, sampleEveryMs);
    sample();
    return {
      stop: () => {
        clearInterval(timer);
        sample();
        const seconds = (performance.now() - started) / 1000;
        const roles: Usage['roles'] = {};
        const final = this.snapshot();
        const hwm = new Map<string, number>();
        for (const s of final) {
          const u = (roles[s.role] ??= { cpuSeconds: 0, cores: 0, peakRssMb: 0, processes: 0 });
          u.cpuSeconds += (s.ticks - (baseline.get(s.pid) ?? 0)) / clockTicks;
          u.processes += 1;
          if (s.role !== 'postgres') hwm.set(s.role, (hwm.get(s.role) ?? 0) + statusKb(s.pid, 'VmHWM'));
        }
        for (const [role, u] of Object.entries(roles)) {
          u.cores = round(u.cpuSeconds / seconds, 3);
          u.cpuSeconds = round(u.cpuSeconds, 2);
          u.peakRssMb = round(Math.max(hwm.get(role) ?? 0, peaks.get(role) ?? 0) / 1024, 1);
        }
        const d = machineTicks().map((t, i) => (t - machineAtStart[i]!) / clockTicks / seconds);
        const [user, nice, system, , , irq, softirq, steal] = d as [number, number, number, number, number, number, number, number];
        const machine = { busyCores: round(user + nice + system + irq + softirq + steal, 2), stealCores: round(steal, 3), softirqCores: round(softirq, 3) };
        return { roles, machine };
      },
    };
  }
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
