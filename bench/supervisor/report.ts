// The supervisor bench's table, in the style of bench/api/report.ts.
import type { Sides } from './runs';

export interface SupervisorRow {
    readonly backend: string;
    readonly via: 'alertTransition' | 'capability';
    readonly target: number;               // plugin/floor throughput to reach
    readonly sides: Sides;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const HEADER = ['backend', 'decisions via', 'plugin dec/s', 'floor r/s', 'tput p/f', 'target', 'plugin p50', 'plugin p99', 'floor p50', 'floor p99', 'p99 f/p', 'CPU/req p|f'];

const cells = (r: SupervisorRow): string[] => {
    const { plugin, floor } = r.sides;
    const ratio = plugin.best.rps / floor.best.rps;
    return [
        r.backend,
        r.via === 'alertTransition' ? 'alertTransition (in process)' : 'capability URL (HTTP)',
        fixed(plugin.best.rps, 0),
        fixed(floor.best.rps, 0),
        `${fixed(ratio, 2)}${ratio >= r.target ? '' : ` <${r.target}`}`,
        `>=${r.target}`,
        `${fixed(plugin.best.p50Ms, 2)}ms`,
        `${fixed(plugin.best.p99Ms, 2)}ms`,
        `${fixed(floor.best.p50Ms, 2)}ms`,
        `${fixed(floor.best.p99Ms, 2)}ms`,
        fixed(floor.best.p99Ms / plugin.best.p99Ms, 2),
        `${fixed(plugin.best.cpuUsPerRequest, 0)}|${fixed(floor.best.cpuUsPerRequest, 0)}us`
    ];
};

const pad = (row: readonly string[], widths: readonly number[]): string =>
    row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');

export const supervisorTable = (rows: readonly SupervisorRow[]): string[] => {
    const all = [HEADER, ...rows.map(cells)];
    const widths = HEADER.map((_, i) => Math.max(...all.map((c) => (c[i] ?? '').length)));
    const lines = [pad(HEADER, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map((c) => pad(c, widths)), ''];
    for (const r of rows) {
        const rounds = (side: Sides['plugin']) => side.runs.map((run) => fixed(run.rps, 0)).join(' / ');
        lines.push(`  ${r.backend} ${r.via}: rounds plugin ${rounds(r.sides.plugin)}, floor ${rounds(r.sides.floor)}`);
        const failed = r.sides.plugin.runs.reduce((n, run) => n + run.failures, 0) + r.sides.floor.runs.reduce((n, run) => n + run.failures, 0);
        if (failed > 0) {
            lines.push(`  !! ${r.backend} ${r.via}: ${failed} failed calls; first: ${r.sides.firstFailure ?? '?'}`);
        }
    }

    lines.push('  dec/s = decisions (each one read of the group, policy, override and kill-switches, and one compare-and-set write of desired with its activity row); tput p/f = plugin/floor throughput; p99 f/p = floor p99 / plugin p99.');
    return lines;
};
