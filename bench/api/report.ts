// The printed result: one compact table per backend, then the rounds behind it.
import type { Comparison, Side } from './compare';

const MB = 1024 * 1024;

const pad = (cells: readonly string[], widths: readonly number[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const HEADER = ['backend', 'op', 'plugin r/s', 'floor r/s', 'tput p/f', 'plugin p50', 'plugin p99', 'floor p50', 'floor p99', 'p99 f/p', 'CPU/req p|f', 'RSS plugin', 'RSS floor'];

const row = (backend: string, c: Comparison): string[] => [
    backend,
    c.operation,
    fixed(c.plugin.best.rps, 0),
    fixed(c.floor.best.rps, 0),
    `${fixed(c.plugin.best.rps / c.floor.best.rps, 2)}${c.plugin.best.rps / c.floor.best.rps >= 0.5 ? '' : ' <0.5'}`,
    `${fixed(c.plugin.best.p50Ms, 2)}ms`,
    `${fixed(c.plugin.best.p99Ms, 2)}ms`,
    `${fixed(c.floor.best.p50Ms, 2)}ms`,
    `${fixed(c.floor.best.p99Ms, 2)}ms`,
    fixed(c.floor.best.p99Ms / c.plugin.best.p99Ms, 2),
    `${fixed(c.plugin.best.cpuUsPerRequest, 0)}|${fixed(c.floor.best.cpuUsPerRequest, 0)}us`,
    `${fixed(c.plugin.usage.rssBytes / MB, 0)}MB`,
    `${fixed(c.floor.usage.rssBytes / MB, 0)}MB`
];

export const table = (rows: readonly { backend: string; comparison: Comparison }[]): string => {
    const cells = [HEADER, ...rows.map((r) => row(r.backend, r.comparison))];
    const widths = HEADER.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
    const rule = widths.map((w) => '-'.repeat(w)).join('  ');
    return [pad(HEADER, widths), rule, ...cells.slice(1).map((c) => pad(c, widths))].join('\n');
};

const rounds = (side: Side): string => side.runs.map((r) => `${fixed(r.rps, 0)}`).join(' / ');

export const details = (backend: string, c: Comparison): string[] => {
    const lines = [
        `  ${backend} ${c.operation}: rounds req/s plugin ${rounds(c.plugin)}, floor ${rounds(c.floor)};` +
        ` peak RSS plugin ${fixed(c.plugin.usage.maxRssBytes / MB, 0)}MB, floor ${fixed(c.floor.usage.maxRssBytes / MB, 0)}MB` +
        (c.operation === 'create' ? `; groups in the tenant after the last run: plugin ${c.plugin.groupsAfterLastRun}, floor ${c.floor.groupsAfterLastRun}` : '')
    ];
    for (const [name, side] of [['plugin', c.plugin], ['floor', c.floor]] as const) {
        const failed = side.runs.reduce((n, r) => n + r.failures, 0);
        if (failed > 0) {
            lines.push(`  !! ${name} ${c.operation}: ${failed} failed requests; first: ${side.firstFailure ?? '?'}`);
        }
    }

    return lines;
};
