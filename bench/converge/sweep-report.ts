// The steady-state sweep's table (bench/converge/sweep.ts), in the style of bench/converge/report.ts.
import type { SweepRow } from './sweep';

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const mark = (ok: boolean, target: string): string => (ok ? '' : ` ${target}`);

const grid = (header: readonly string[], rows: readonly string[][]): string[] => {
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
    const pad = (row: readonly string[]) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
    return [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)];
};

export const sweepTable = (rows: readonly SweepRow[]): string[] => [
    ...grid(
        ['groups', 'servers', 'swept', 'sweep s', 'listing floor s', 'sweep/floor', 'target', 'listings', 'projects', 'req/server beyond listings', 'target', 'RSS MB', 'target'],
        rows.map((r) => {
            const servers = r.groups * r.serversPerGroup;
            const ratio = r.sweepMs / r.floorMs;
            const perServer = (r.requests.perServer + r.requests.otherCompute) / (r.swept * r.serversPerGroup);
            return [
                String(r.groups), String(servers), String(r.swept), fixed(r.sweepMs / 1000, 2), fixed(r.floorMs / 1000, 2),
                `${fixed(ratio, 2)}${mark(ratio <= 1.2, '>1.2')}`, '<=1.2', String(r.requests.listings), String(r.projectsListed),
                `${fixed(perServer, 3)}${mark(perServer === 0, '>0')}`, '0', `${fixed(r.rssMb, 0)}${mark(r.rssMb <= 300, '>300')}`, '<=300'
            ];
        })
    ),
    ...rows.flatMap((r) => [
        `  outcomes: ${Object.entries(r.outcomes).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; compute requests in the sweep: ${r.requests.listings} listings, ` +
        `${r.requests.perServer} per-server (GET/DELETE /servers/{id}, POST /servers, actions), ${r.requests.otherCompute} other; identity ${r.requests.identity}; ` +
        `floor: ${r.floorListings} listings; seeding ${fixed(r.seedMs / 1000, 1)}s`,
        ...(r.swept < r.groups ? [`  !! sweepOnce() looked at ${r.swept} of ${r.groups} groups (plugin/converger-loop.ts sweepBatch caps one sweep): the rest are never swept by it`] : []),
        ...(r.requests.listings > r.projectsListed ? [
            `  limit: the converger lists a project once per group: ${r.requests.listings} listings for ${r.projectsListed} projects ` +
            `(${fixed(r.requests.listings / r.projectsListed, 1)}x; each returns all ${r.groupsPerTenant * r.serversPerGroup} servers of the project); ` +
            'the floor makes the same calls, so the ratio cannot show it: one listing per project would cut the listing floor itself by that factor'
        ] : [])
    ])
];
