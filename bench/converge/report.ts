// The converger bench's tables, in the style of bench/supervisor/report.ts.
import type { CreatesRow } from './creates';
import type { OutageRow } from './outage';

export const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const pct = (value: number): string => `${fixed(value * 100, 1)}%`;
export const mark = (ok: boolean, target: string): string => (ok ? '' : ` ${target}`);

export const grid = (header: readonly string[], rows: readonly string[][]): string[] => {
    const all = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
    const pad = (row: readonly string[]) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
    return [pad(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)];
};

// Budget used: creates per second achieved over the budget's rate.
const used = (creates: number, ms: number, rate: number): number => creates / (ms / 1000) / rate;

export const createsTable = (rows: readonly CreatesRow[]): string[] => [
    ...grid(
        ['budget c/s|burst|in flight', 'storm guard', 'groups', 'creates', 'plugin s', 'floor s', 'wall f/p', 'target', 'budget used p', 'floor', 'target', 'listings', 'held'],
        rows.map((r) => {
            const ratio = r.floor.wallMs / r.pluginMs;
            const share = used(r.pluginCreated, r.pluginMs, r.limits.createsPerS);
            return [
                `${r.limits.createsPerS}|${r.limits.burst}|${r.limits.maxInFlight}`, r.storm ? 'on' : 'off', String(r.groups), String(r.creates),
                fixed(r.pluginMs / 1000, 2), fixed(r.floor.wallMs / 1000, 2), `${fixed(ratio, 2)}${mark(ratio >= 0.9, '<0.9')}`, '>=0.9',
                `${pct(share)}${mark(share >= 0.95, '<95%')}`, pct(used(r.floor.created, r.floor.wallMs, r.limits.createsPerS)), '>=95%',
                String(r.listings), String(r.held)
            ];
        })
    ),
    ...rows.flatMap((r) => (r.pluginCreated === r.creates && r.inNova === r.creates && r.floor.created === r.creates && r.floor.failed === 0 ? [] :
        [`  !! budget ${r.limits.createsPerS}/s: plugin sent ${r.pluginCreated} creates, ${r.inNova} servers in Nova; floor ${r.floor.created} created, ${r.floor.failed} failed (want ${r.creates} each)`]))
];

export const outageTable = (rows: readonly OutageRow[]): string[] => grid(
    ['groups', 'outage s', 'plugin req', 'naive req', 'p/n', 'target', 'before open', 'opened at', 'last req after open', 'max req/s open', 'target'],
    rows.map((r) => {
        const ratio = r.plugin / r.naive;
        return [
            String(r.groups), fixed(r.seconds, 0), String(r.plugin), `${r.naive} (every ${r.retryMs}ms)`,
            `1/${fixed(1 / ratio, 0)}${mark(ratio <= 0.01, '>1/100')}`, '<=1/100', String(r.beforeOpen),
            r.openedAfterMs === null ? 'never' : `${fixed(r.openedAfterMs / 1000, 2)}s`, `${fixed(r.lastAfterOpenMs, 0)}ms`,
            `${fixed(r.maxPerSOpen, 0)}${mark(r.maxPerSOpen <= 1, '>1')}`, '<=1'
        ];
    })
);
