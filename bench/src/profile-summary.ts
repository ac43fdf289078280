import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { round } from './proc-stats.ts';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
  samples: number[];
}

export interface ProfileSummary {
  service: string;
  /** Seconds of CPU the profile covers (idle excluded). */
  busySeconds: number;
  /** Share of busy time by where the code lives: a package, our own code, node internals, GC. */
  byOwner: Array<{ owner: string; percent: number }>;
  /** Functions with the most self time. */
  topFunctions: Array<{ fn: string; percent: number }>;
}

function ownerOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const relative = path.relative(root, file);
  return relative.startsWith('..') ? file : relative.split('/').slice(0, 2).join('/');
}

/** Where each service's CPU went, from the `.cpuprofile` files `node --cpu-prof` wrote at exit. */
export async function summariseProfiles(dir: string, root: string, top = 12): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const microsPerSample = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
    const byOwner = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let busy = 0;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (hits === 0 || functionName === '(idle)') continue;
      busy += hits;
      const owner = ownerOf(url, functionName, root);
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits);
      const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
      const fn = `${functionName || '(anonymous)'} ${where} [${owner}]`.replace(/\s+\[/, ' [');
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    }
    const share = (entries: Map<string, number>) =>
      [...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, hits]) => ({ key, percent: round((100 * hits) / Math.max(1, busy), 1) }));
    summaries.push({
      service: file.replace(/\.cpuprofile$/, ''),
      busySeconds: round((busy * microsPerSample) / 1e6, 1),
      byOwner: share(byOwner).map(({ key, percent }) => ({ owner: key, percent })),
      topFunctions: share(byFunction).map(({ key, percent }) => ({ fn: key, percent })),
    });
  }
  return summaries;
}
