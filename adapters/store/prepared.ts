// The hot statements, prepared by name: on PostgreSQL each connection parses
// and plans them once, where a knex query is parsed and planned on every call
// (measured: the group read went from ~2,500 to ~4,500 per second). Inside a
// transaction, and on PGlite (no network, one connection), knex runs them.
import type { Knex } from 'knex';
import type { QueryResult, QueryResultRow } from 'pg';

export interface Prepared {
    readonly name: string;
    readonly knexText: string;   // `?` placeholders, for knex
    readonly pgText: string;     // `$n` placeholders, for pg
}

export const prepare = (name: string, text: string): Prepared => {
    let n = 0;
    return { name, knexText: text, pgText: text.replace(/\?/g, () => `$${++n}`) };
};

interface PgConnection {
    query<R extends QueryResultRow>(query: { name: string; text: string; values: readonly unknown[] }): Promise<QueryResult<R>>;
}

interface Pool {
    acquireConnection(): Promise<PgConnection>;
    releaseConnection(connection: PgConnection): Promise<void>;
}

export const runPrepared = async <R extends QueryResultRow>(db: Knex | Knex.Transaction, usePg: boolean, statement: Prepared, values: readonly unknown[]): Promise<R[]> => {
    if (!usePg || db.isTransaction) {
        const result: { rows: R[] } = await db.raw(statement.knexText, values as Knex.RawBinding[]);
        return result.rows;
    }

    const pool = db.client as Pool;
    const connection = await pool.acquireConnection();
    try {
        return (await connection.query<R>({ name: statement.name, text: statement.pgText, values })).rows;
    }
    finally {
        await pool.releaseConnection(connection);
    }
};
