// A strict reader of the Prometheus text format (0.0.4), for the metrics
// test: every family declared by # HELP and # TYPE before its samples, every
// sample a name (of its family, or _bucket/_sum/_count/_total of it), labels
// in quotes with escapes, and a number. Anything else fails with the line.
export interface Sample {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly value: number;
}

export interface Exposition {
    readonly types: ReadonlyMap<string, string>;
    readonly samples: readonly Sample[];
    // The sum of the samples named `name` whose labels include `match`.
    value(name: string, match?: Readonly<Record<string, string>>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

// As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case.
const number = (text: string, line: string): number => {
    const special = /^([-+]?)(inf|nan)$/i.exec(text);
    if (special) {
        return special[2]?.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity;
    }

    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
        throw new Error(`not a number in: ${line}`);
    }

    return Number(text);
};

const labelsOf = (text: string, line: string): Record<string, string> => {
    const labels: Record<string, string> = {};
    let rest = text;
    while (rest.length > 0) {
        const match = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
        if (!match) {
            throw new Error(`bad labels in: ${line}`);
        }

        const [whole, key = '', raw = ''] = match;
        labels[key] = raw.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
        rest = rest.slice(whole.length);
    }

    return labels;
};

export const parseExposition = (text: string): Exposition => {
    const types = new Map<string, string>();
    const helped = new Set<string>();
    const samples: Sample[] = [];
    for (const line of text.split('\n')) {
        if (line === '') {
            continue;
        }

        const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (meta) {
            const [, kind, name = '', rest = ''] = meta;
            if (!NAME.test(name)) {
                throw new Error(`bad metric name in: ${line}`);
            }

            if (kind === 'HELP') {
                helped.add(name);
            }
            else if (!TYPES.has(rest) || types.has(name)) {
                throw new Error(`bad or repeated TYPE in: ${line}`);
            }
            else {
                types.set(name, rest);
            }

            continue;
        }

        const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)( \d+)?$/.exec(line);
        if (!sample) {
            throw new Error(`not a sample: ${line}`);
        }

        const [, name = '', labels = '', value = ''] = sample;
        const family = types.has(name) ? name : SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find((f) => types.has(f));
        if (family === undefined || !helped.has(family)) {
            throw new Error(`a sample of no declared family: ${line}`);
        }

        samples.push({ name, labels: labelsOf(labels, line), value: number(value, line) });
    }

    return {
        types,
        samples,
        value: (name, match = {}) => samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)
    };
};
