// The cluster's creation rate as Nova saw it: the times the simulator logged
// its answered creates, against the region's budget (contract §9).
import type { RequestLogEntry } from '../../simulator';

export interface ArrivalFigures {
    readonly created: number;
    readonly ratePerS: number;             // after the first second's burst: (created in [first + 1 s, last]) / (last - first - 1 s)
    readonly busiestWindow: number;        // the most creates in any 1-s window of arrival, sliding
    readonly busiestSecond: number;        // ... in any clock second (hh:mm:ss) of arrival
    readonly busiestWindowAtMs: number;    // where the busiest window starts, from the first arrival
    readonly busiestSecondAtMs: number;    // where the busiest clock second starts, from the first arrival (negative: the first's own)
    readonly firstMs: number | null;
    readonly lastMs: number | null;
}

// A create Nova accepted: what the budget counts.
export const isCreate = (r: Pick<RequestLogEntry, 'service' | 'method' | 'path' | 'status'>): boolean =>
    r.service === 'compute' && r.method === 'POST' && r.path === '/servers' && r.status === 202;

export const arrivalFigures = (times: readonly number[]): ArrivalFigures => {
    const arrivals = [...times].sort((a, b) => a - b);
    const first = arrivals[0];
    const last = arrivals[arrivals.length - 1];
    if (first === undefined || last === undefined) {
        return { created: 0, ratePerS: Number.NaN, busiestWindow: 0, busiestSecond: 0, busiestWindowAtMs: 0, busiestSecondAtMs: 0, firstMs: null, lastMs: null };
    }

    let busiest = { n: 0, at: first };
    for (let i = 0, j = 0; i < arrivals.length; i++) {
        const at = arrivals[i] as number;
        while (j < arrivals.length && (arrivals[j] as number) < at + 1000) {
            j++;
        }

        busiest = j - i > busiest.n ? { n: j - i, at } : busiest;
    }

    const perSecond = new Map<number, number>();
    arrivals.forEach((at) => perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1));
    const [second, most] = [...perSecond].reduce((a, b) => (b[1] > a[1] ? b : a));
    const after = arrivals.filter((at) => at >= first + 1000).length;
    return {
        created: arrivals.length, ratePerS: after / Math.max(0.001, (last - first - 1000) / 1000), busiestWindow: busiest.n, busiestSecond: most,
        busiestWindowAtMs: busiest.at - first, busiestSecondAtMs: second * 1000 - first, firstMs: first, lastMs: last
    };
};
