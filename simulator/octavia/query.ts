// Octavia's listings (octavia/api/common/pagination.py): filters on plain
// attributes, order by created_at then id, a marker and a limit (at most
// pagination_max_limit, 1000), and links to the previous and next pages.
// Sorting keys and page_reverse are taken but not applied.
import { octaviaError, pecanError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import type { OctaviaCtx } from './context';

export const MAX_LIMIT = 1000;

// The query keys that are not filters.
const AUXILIARY: ReadonlySet<string> = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'fields', 'page_reverse']);

// Octavia reads every GET's limit before the controller runs (a pecan hook):
// absent is the maximum; 'infinite' or below 1, no limit (null); not a whole
// number, 400 in pecan's shape.
export const parseLimit = (query: URLSearchParams): number | null | SimResponse => {
    const raw = query.get('limit');
    if (raw === null) {
        return MAX_LIMIT;
    }

    if (raw === 'infinite') {
        return null;
    }

    if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
        return pecanError(400, 'Bad Request', `Supplied pagination limit '${raw}' is not valid.`);
    }

    const limit = Number(raw);
    return limit < 1 ? null : Math.min(limit, MAX_LIMIT);
};

// ?fields=id&fields=name (or id,name): only those attributes; a show takes it too.
export const pickFields = (query: URLSearchParams, item: Record<string, unknown>): Record<string, unknown> => {
    const fields = query.getAll('fields').flatMap((f) => f.split(','));
    return fields.length === 0 ? item : Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k)));
};

const matches = (sent: string, value: unknown): boolean => {
    if (typeof value !== 'boolean') {
        return sent === String(value);
    }

    const lowered = sent.toLowerCase();
    return (lowered === '1' ? 'true' : lowered === '0' ? 'false' : lowered) === String(value);
};

export interface Listed {
    readonly id: string;
    readonly createdAt: Date;
}

export interface Listing<R extends Listed> {
    readonly collection: string;                                // 'members' → {members, members_links}
    readonly records: readonly R[];                             // what the caller may see
    readonly render: (record: R) => Record<string, unknown>;
    readonly filterable: ReadonlySet<string>;                   // the attributes a query may filter on
    readonly derived?: Readonly<Record<string, (record: R) => unknown>>; // filters on what the body does not show as such (loadbalancer_id)
    readonly marker: (id: string) => Listed | undefined;        // any record of the kind, seen or not (Octavia looks it up by id alone)
}

const after = (a: Listed, b: Listed): boolean => a.createdAt.getTime() > b.createdAt.getTime() || (a.createdAt.getTime() === b.createdAt.getTime() && a.id > b.id);

export const listing = <R extends Listed>(ctx: OctaviaCtx, { collection, records, render, filterable, derived = {}, marker }: Listing<R>): SimResponse => {
    const { limit } = ctx;
    const { query } = ctx.req;
    const filters = [...new Set(query.keys())].filter((k) => !AUXILIARY.has(k));
    // Octavia filters on its data model's attributes: anything else is refused.
    if (filters.some((k) => !filterable.has(k) && !(k in derived))) {
        return octaviaError(400, 'One or more arguments are either duplicate or invalid');
    }

    let items = records.map((record) => ({ record, body: render(record) }))
        .filter(({ record, body }) => filters.every((k) => query.getAll(k).some((sent) => matches(sent, derived[k]?.(record) ?? body[k]))))
        .sort((a, b) => (after(a.record, b.record) ? 1 : -1));
    const markerId = query.get('marker');
    if (markerId !== null) {
        const from = marker(markerId);
        if (!from) {
            return octaviaError(400, `Supplied pagination marker '${markerId}' is not valid.`);
        }

        items = items.filter(({ record }) => after(record, from));
    }

    const page = limit === null ? items : items.slice(0, limit);
    const bodies = page.map(({ body }) => pickFields(query, body));
    return json(200, { [collection]: bodies, [`${collection}_links`]: links(ctx, limit, page.map(({ record }) => record.id), markerId !== null) });
};

// As Octavia writes them: from the request's own URL, naming the limit
// ('None' when there is none) and the sort asked for. A full page (or any
// page without a limit) links a next one, even when nothing follows.
const links = (ctx: OctaviaCtx, limit: number | null, ids: readonly string[], hadMarker: boolean): unknown[] => {
    if (ids.length === 0) {
        return [];
    }

    const first = ids[0] as string;
    const last = ids[ids.length - 1] as string;
    const { query } = ctx.req;
    const base = [`limit=${limit ?? 'None'}`, ...['sort', 'sort_key'].flatMap((k) => query.has(k) ? [`${k}=${query.get(k) as string}`] : [])];
    const out: unknown[] = [];
    if (hadMarker) {
        out.push({ rel: 'previous', href: `${ctx.pathUrl}?${[...base, `marker=${first}`, 'page_reverse=True'].join('&')}` });
    }

    if (limit === null || ids.length >= limit) {
        out.push({ rel: 'next', href: `${ctx.pathUrl}?${[...base, `marker=${last}`].join('&')}` });
    }

    return out;
};
