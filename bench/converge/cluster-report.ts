// The tables of the cluster's whole-plugin runs: the creation budget across
// instances, and the lease takeover after a kill -9 (contract §9).
import { takeoverMs } from '../../core/engine/converger-loop';
import { median } from '../shared/stats';
import type { ClusterPluginRow } from './cluster-plugin';
import { fixed, grid, mark } from './report';
import type { TakeoverRow } from './takeover';

const MISS = '!!';
const seconds = (ms: number | null): string => (ms === null ? 'never' : fixed(ms / 1000, 1));

export const clusterPluginTable = (r: ClusterPluginRow): string[] => {
    const { options: o, figures: f } = r;
    const ratio = f.ratePerS / o.limits.createsPerS;
    const most = o.limits.createsPerS + o.limits.burst;
    const leastS = Math.max(0, r.wanted - o.limits.burst) / o.limits.createsPerS;
    return [
        ...grid(
            ['instances', 'groups x servers', 'budget c/s|burst|in flight', 'storm guard', 'created', 'in Nova', 'target', 'c/s after 1st s', 'of budget', 'target',
                'busiest second', 'busiest any 1 s', 'target', 'all created s', 'converged s', 'budget\'s least s', 'listings', 'held'],
            [[
                String(o.instances), `${o.groups} x ${o.serversPerGroup}`, `${o.limits.createsPerS}|${o.limits.burst}|${o.limits.maxInFlight}`, o.stormGuard ? 'on' : 'off',
                `${f.created}${mark(f.created === r.wanted, MISS)}`, `${r.inNova}${mark(r.inNova === r.wanted, MISS)}`, `=${r.wanted}`,
                fixed(f.ratePerS, 1), `${fixed(ratio, 3)}${mark(ratio >= 0.9 && ratio <= 1.05, MISS)}`, '0.9-1.05',
                `${f.busiestSecond} at ${fixed(f.busiestSecondAtMs / 1000, 1)}${mark(f.busiestSecond <= most, MISS)}`,
                `${f.busiestWindow} at ${fixed(f.busiestWindowAtMs / 1000, 1)}${mark(f.busiestWindow <= most, MISS)}`, `<=${most}`,
                seconds(r.createdMs), `${seconds(r.convergedMs)}${mark(r.convergedMs !== null, MISS)}`, fixed(leastS, 1), String(r.listings), String(r.held)
            ]]
        ),
        `  request log: read and emptied every 0.5 s (POST /_sim/requests/drain), at most ${r.logPeak} entries at a read; only the creates' times kept.`
    ];
};

// A median and a max in s, each marked when above the target; 'never' when a run saw none.
const medianMax = (values: readonly (number | null)[], targetMs: number): string[] => {
    const seen = values.filter((v): v is number => v !== null);
    const med = median(seen);
    const max = seen.length === values.length ? Math.max(...seen) : Number.NaN;
    return [`${fixed(med / 1000, 2)}${mark(med <= targetMs, MISS)}`, `${seen.length === values.length ? fixed(max / 1000, 2) : 'never'}${mark(max <= targetMs, MISS)}`];
};

export const takeoverTable = (r: TakeoverRow): string[] => {
    const { options: o, samples } = r;
    const scanMs = takeoverMs(o.leaseTtlS);
    const targetMs = o.leaseTtlS * 1000 + scanMs;
    return [
        ...grid(
            ['runs', 'lease TTL s', 'scan every s', 'lapse after kill med', 'taken over med', 'max', 'first call med', 'max', 'target', 'contract'],
            [[
                String(samples.length), fixed(o.leaseTtlS, 0), fixed(scanMs / 1000, 2), fixed(median(samples.map((s) => s.lapseMs)) / 1000, 2),
                ...medianMax(samples.map((s) => s.takenMs), targetMs), ...medianMax(samples.map((s) => s.firstCallMs), targetMs),
                `<=${fixed(targetMs / 1000, 2)}`, `<=${fixed(o.leaseTtlS + 5, 0)}`
            ]]
        ),
        `  each run, taken over after (s): ${samples.map((s) => (s.takenMs === null ? 'never' : fixed(s.takenMs / 1000, 2))).join(' ')}; ` +
        `by survivor ${samples.map((s) => (s.by < 0 ? '-' : String.fromCharCode(66 + s.by))).join('')}`
    ];
};
