// Neutron's list queries: any attribute with a plain value filters (repeated
// for "any of": ?id=a&id=b), ?fields= picks what each item shows.
import { neutronError } from '../http/errors';
import type { SimResponse } from '../http/messages';

// Paging and sorting keys Neutron takes on every listing; the simulator lists everything in one page.
const IGNORED = new Set(['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir']);

const plain = (value: unknown): boolean => value === null || ['string', 'number', 'boolean'].includes(typeof value);

// Neutron reads a boolean as true/false in any case, or 1/0.
const matches = (sent: string, value: unknown): boolean => {
    if (typeof value !== 'boolean') {
        return sent === String(value);
    }

    const lowered = sent.toLowerCase();
    return (lowered === '1' ? 'true' : lowered === '0' ? 'false' : lowered) === String(value);
};

// The items that match every filter, showing only the asked-for fields; or
// Neutron's 400 for a key it cannot filter on. `attributes` is an item of the kind listed.
export const applyQuery = (query: URLSearchParams, items: readonly Record<string, unknown>[], attributes: Record<string, unknown>): Record<string, unknown>[] | SimResponse => {
    const keys = [...new Set(query.keys())].filter((k) => !IGNORED.has(k));
    const invalid = keys.filter((k) => !(k in attributes) || !plain(attributes[k]));
    if (invalid.length > 0) {
        return neutronError(400, 'HTTPBadRequest', `[${invalid.map((k) => `'${k}'`).join(', ')}] is invalid attribute for filtering`);
    }

    const matching = items.filter((item) => keys.every((k) => query.getAll(k).some((sent) => matches(sent, item[k]))));
    const fields = query.getAll('fields');
    return fields.length === 0 ? matching : matching.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k))));
};
