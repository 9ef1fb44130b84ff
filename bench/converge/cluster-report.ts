// The tables of the cluster's whole-plugin runs: the creation budget across
// instances (contract §9).
import type { ClusterPluginRow } from './cluster-plugin';
import { fixed, grid, mark } from './report';

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
