import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/** V8's sampling profiler (what `node --cpu-prof` runs), started and stopped around the part that matters. */
export async function startCpuProfile(intervalMicros = 200): Promise<{ stopTo(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
  await session.post('Profiler.start');
  return {
    stopTo: async (file) => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Where a function lives: ours (src/), a package, Node itself, or V8's own buckets (GC, idle). */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/src/')) return `ours: ${/\/src\/([^/]+\/[^/]+)/.exec(url)?.[1] ?? 'src'}`;
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node';
  return url;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Share of non-idle CPU time, by area. */
  byArea: Array<{ area: string; percent: number }>;
  /** The functions with the most self time (share of non-idle time). */
  topSelf: Array<{ fn: string; where: string; percent: number }>;
  /** Native self time (SQLite statements, fsync, crypto) by the nearest of our functions that called it. */
  nativeByCaller: Array<{ caller: string; percent: number }>;
}

const frameName = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/src\//, 'src/')}:${node.callFrame.lineNumber + 1}`;

/** Self time per function and per area from a .cpuprofile, idle time left out of the shares. */
export function summariseProfile(raw: string, top = 25): ProfileSummary {
  const profile = JSON.parse(raw) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const ourCaller = (id: number): string => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const node = byId.get(p)!;
      if (node.callFrame.url.includes('/src/')) return frameName(node);
    }
    return '(none of ours)';
  };
  const native = new Map<string, number>();
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    if (functionName === '(idle)') continue;
    busy += us;
    const where = url ? `${url.replace(/^.*?(node_modules\/|\/src\/|\/bench\/)/, '$1')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = fns.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const area = areaOf(url, functionName);
    if (area === '(native)') {
      const caller = ourCaller(id);
      native.set(caller, (native.get(caller) ?? 0) + us);
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us: number) => Number(((100 * us) / Math.max(1, busy)).toFixed(1));
  return {
    sampledMs: Math.round(total / 1000),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, percent: pct(us) })),
    topSelf: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ fn: f.fn, where: f.where, percent: pct(f.us) })),
    nativeByCaller: [...native.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([caller, us]) => ({ caller, percent: pct(us) })),
  };
}
