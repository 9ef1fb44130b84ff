// The capability URL must not tell by its timing whether a capability exists:
// an unknown one does a real one's work against nothing (the same store calls,
// the same SQL), and both answer at the same floor, so over 1,000 alternating
// requests their median answer times differ by less than 10 %.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { Pool } from 'undici';
import { alternate, madeUpCapability, MAX_MEDIAN_GAP, mediansOf } from '../bench/capability';
import { GroupId, PolicyId, TenantId } from '../core/model/ids';
import type { TriggerTable } from '../core/ports/supervision';
import { testDatabaseKind, testKnex } from './support/database';
import { tableValidator } from './support/identity';
import { caller, freshTenant, testServer, type Caller } from './support/server';
import { activityOf, allRows, desiredOf, hookedGroup, post, type Hooked } from './capability-support';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// The store calls one POST makes, by port method (a decoy's table counts as a
// trigger's: it is one), and on PGlite the SQL text of every statement.
const watch = async (server: Hapi.Server, run: () => Promise<unknown>): Promise<{ calls: string[]; sql: string[] }> => {
    const { groups, supervision } = server.plugins['nova-autoscale'].stores;
    const calls: string[] = [];
    const sql: string[] = [];
    const saved = {
        findCapability: groups.findCapability, recordRejectedBody: groups.recordRejectedBody,
        readTrigger: supervision.readTrigger, recordTrigger: supervision.recordTrigger, decoyTrigger: supervision.decoyTrigger
    };
    const counted = (table: TriggerTable): TriggerTable => ({
        readTrigger: (...args) => {
            calls.push('readTrigger');
            return table.readTrigger(...args);
        },
        recordTrigger: (...args) => {
            calls.push('recordTrigger');
            return table.recordTrigger(...args);
        }
    });
    const direct = counted({ readTrigger: saved.readTrigger, recordTrigger: saved.recordTrigger });
    groups.findCapability = (hash) => {
        calls.push('findCapability');
        return saved.findCapability(hash);
    };
    groups.recordRejectedBody = (...args) => {
        calls.push('recordRejectedBody');
        return saved.recordRejectedBody(...args);
    };
    supervision.readTrigger = direct.readTrigger;
    supervision.recordTrigger = direct.recordTrigger;
    supervision.decoyTrigger = () => counted(saved.decoyTrigger());
    const knex: Knex = await testKnex();
    const onQuery = (query: { sql: string }): void => {
        sql.push(query.sql);
    };
    knex.on('query', onQuery);
    try {
        await run();
    }
    finally {
        knex.off('query', onQuery);
        Object.assign(groups, { findCapability: saved.findCapability, recordRejectedBody: saved.recordRejectedBody });
        Object.assign(supervision, { readTrigger: saved.readTrigger, recordTrigger: saved.recordTrigger, decoyTrigger: saved.decoyTrigger });
    }

    return { calls, sql };
};

describe('capability URL timing', () => {
    let server: Hapi.Server;
    let api: Caller;
    let g: Hooked;
    const tenant = freshTenant();

    before(async () => {
        // No background loop runs a statement while one is watched.
        server = await testServer({
            validator: tableValidator({ tok: { projectId: tenant } }), supervisor: { debounceMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
        });
        api = caller(server, 'tok');
        g = await hookedGroup(api, tenant, { maxEntities: 1000 });
    });

    after(() => server.stop());

    it('does a real capability\'s store calls and SQL for an unknown one, and writes nothing', async () => {
        const unknown = madeUpCapability();
        for (const body of ['', 'not json']) {
            const real = await watch(server, () => post(server, g.path, body));
            const before = await allRows();
            const fake = await watch(server, () => post(server, unknown, body));
            expect(await allRows(), body).to.equal(before);
            expect(fake.calls, body).to.equal(real.calls);
            expect(fake.sql, body).to.equal(real.sql);
        }

        // What was compared: a trigger's lookup, read and compare-and-set; a rejected body's lookup and INSERT.
        const plain = await watch(server, () => post(server, unknown));
        const rejected = await watch(server, () => post(server, unknown, 'not json'));
        expect([plain.calls, rejected.calls]).to.equal([['findCapability', 'readTrigger', 'recordTrigger'], ['findCapability', 'recordRejectedBody']]);
        if (testDatabaseKind() === 'pglite') {
            // knex runs every statement on PGlite (on PostgreSQL the prepared ones bypass it): their text is compared there.
            expect([plain.sql.length, rejected.sql.length]).to.equal([3, 2]);
        }

        expect((await activityOf(api, g)).map((r) => r.reason)).to.equal(['rejected_body', 'policy']);
    });

    it('a decoy writes nothing, even when asked about a group that exists', async () => {
        const before = await allRows();
        const desired = await desiredOf(api, g);
        await server.plugins['nova-autoscale'].engine.supervisor.decoy({
            tenantId: TenantId(tenant), groupId: GroupId(g.groupId), policyId: PolicyId(g.policyId),
            source: 'webhook', eventId: null, forced: false, circleBack: false, who: 'capability', note: null
        });
        expect(await allRows()).to.equal(before);
        expect(await desiredOf(api, g)).to.equal(desired);
    });

    it(`answers 1,000 alternating real and unknown POSTs with medians within ${MAX_MEDIAN_GAP * 100} % (${testDatabaseKind()})`, { timeout: 120_000 }, async () => {
        await server.start();
        const pool = new Pool(`http://127.0.0.1:${server.info.port}`, { connections: 1, pipelining: 1 });
        try {
            const unknown = madeUpCapability();
            await alternate(pool, g.path, unknown, 100);       // the floor learns the real work first
            const run = await alternate(pool, g.path, unknown, 1000);
            const medians = mediansOf(run);
            console.log(`      capability timing (${testDatabaseKind()}): median known ${medians.known.toFixed(2)} ms, unknown ${medians.unknown.toFixed(2)} ms, ` +
                `gap ${(medians.gap * 100).toFixed(1)} %`);
            expect(run.failures).to.equal(0);
            expect(medians.gap).to.be.below(MAX_MEDIAN_GAP);
            // Every real POST was a trigger, written and accepted: 1 before, 50 in the warm-up, 500 here (max 1000).
            expect(await desiredOf(api, g)).to.equal(551);
        }
        finally {
            await pool.close();
            await server.stop();
            await server.initialize();
        }
    });
});
