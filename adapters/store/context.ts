import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../core/ports/clock';
import type { PageRequest } from '../../core/model/group';
import type { Page } from '../../core/model/group';
import type { Capabilities } from './capability';

export interface StoreContext {
    readonly knex: Knex;
    readonly kind: 'postgres' | 'pglite';
    readonly caps: Capabilities;
    readonly clock: Clock;
}

export const newId = (): string => randomUUID();

// Keyset paging by id: fetch one more than asked to know whether a next page exists.
export const pageOf = <R extends { id: string }, T>(rows: readonly R[], page: PageRequest, map: (row: R) => T): Page<T> => {
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items: items.map(map), next: rows.length > page.limit && last ? last.id : null };
};

export const afterMarker = (query: Knex.QueryBuilder, column: string, page: PageRequest): Knex.QueryBuilder =>
    (page.marker ? query.where(column, '>', page.marker) : query).orderBy(column).limit(page.limit + 1);
