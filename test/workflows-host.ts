// A workflow the host plugs in (contract §7, docs/workflows.md), end to end
// against the simulator over real HTTP: a server Nova shows ACTIVE is pending
// until the host's launch says continue; a server chosen for deletion leaves
// through the host's terminate before Nova hears a delete; an abandon is a
// failed build, deleted and replaced; a restart takes a running stage up again.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type { WorkflowResult } from '../core/model/workflow';
import type { Workflow, WorkflowContext } from '../core/ports/workflows';
import Hapi from '@hapi/hapi';
import { plugin } from '../plugin';
import { demoServiceAccount } from '../simulator';
import { buildDelayMs, startRig, withRig, type Rig } from './support/converge';
import { testDatabase } from './support/database';
import { tableValidator } from './support/identity';
import { field } from './support/server';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// A host workflow whose every call waits until the test answers it. The
// database is shared with other tests: a stage of another tenant's (a
// leftover) is answered at once and not listed.
const heldWorkflow = (tenant: () => string) => {
    const calls: { ctx: WorkflowContext; answer: (result: WorkflowResult) => void }[] = [];
    const call = (ctx: WorkflowContext) => new Promise<WorkflowResult>((resolve) => {
        if (ctx.tenantId !== tenant()) {
            resolve('continue');
            return;
        }

        calls.push({ ctx, answer: resolve });
    });
    const workflow: Workflow = { launch: call, terminate: call };
    return { workflow, calls };
};

const options = (workflow: Workflow) => ({ plugin: { workflows: { hooks: workflow }, workflowRunner: { intervalMs: 0 } } });

const deletes = (rig: Rig): string[] => rig.sim.requests
    .filter((r) => r.service === 'compute' && r.method === 'DELETE')
    .map((r) => r.path.replace('/servers/', ''));

// Runs the workflow runner once and lets what it started reach the host.
const runWorkflows = async (rig: Rig): Promise<void> => {
    await rig.server.plugins['nova-autoscale'].engine.workflows.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
};

const settleWorkflows = (rig: Rig) => rig.server.plugins['nova-autoscale'].engine.workflows.settle();

// Creates `desired` servers and brings them to ACTIVE in Nova, joining.
const grown = async (rig: Rig, desired: number): Promise<string> => {
    const groupId = await rig.createGroup();
    const put = await rig.api('PUT', `/${rig.tenant}/groups/${groupId}/workflow`, { type: 'hooks' });
    expect(put.statusCode, put.payload).to.equal(200);
    await rig.scaleTo(groupId, desired);
    await rig.converge(groupId);
    rig.clock.advance(buildDelayMs);
    await rig.converge(groupId);
    return groupId;
};

describe('workflows: a host\'s own', () => {

    it('keeps an ACTIVE server pending until the host\'s launch says continue, then it is in service', async () => {
        const who = { tenant: '' };
        const host = heldWorkflow(() => who.tenant);
        await withRig(options(host.workflow), async (rig) => {
            who.tenant = rig.tenant;
            const groupId = await grown(rig, 2);
            let state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([0, 2]);

            await runWorkflows(rig);
            expect(host.calls.map((c) => [c.ctx.event, c.ctx.tenantId, c.ctx.groupId]).sort()).to.equal([['launch', rig.tenant, groupId], ['launch', rig.tenant, groupId]]);
            expect(host.calls.map((c) => c.ctx.server.id).sort()).to.equal(rig.ours(groupId).map((s) => s.id).sort());

            host.calls[0]?.answer('continue');
            await until(async () => (await rig.state(groupId)).activeCapacity === 1);
            state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([1, 1]);
            expect((field(state, 'active') as { id: string }[]).map((a) => a.id)).to.equal([host.calls[0]?.ctx.server.id]);

            host.calls[1]?.answer('continue');
            await settleWorkflows(rig);
            state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([2, 0]);
            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.reason === 'in_service')).to.have.length(2);
            expect(rows.filter((r) => r.kind === 'join')).to.have.length(2);
            expect(deletes(rig)).to.equal([]);
        });
    });

    it('runs the host\'s terminate before a scale-down\'s delete, and deletes once it answers', async () => {
        const who = { tenant: '' };
        const host = heldWorkflow(() => who.tenant);
        await withRig(options(host.workflow), async (rig) => {
            who.tenant = rig.tenant;
            const groupId = await grown(rig, 2);
            await runWorkflows(rig);
            host.calls.forEach((c) => c.answer('continue'));
            await settleWorkflows(rig);

            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            expect(deletes(rig)).to.equal([]);
            const state = await rig.state(groupId);
            expect([state.desiredCapacity, state.activeCapacity]).to.equal([1, 1]);

            await runWorkflows(rig);
            const terminate = host.calls.filter((c) => c.ctx.event === 'terminate');
            expect(terminate).to.have.length(1);
            terminate[0]?.answer('continue');
            await settleWorkflows(rig);
            await rig.converge(groupId);
            expect(deletes(rig)).to.equal([terminate[0]?.ctx.server.id]);
            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'delete').map((r) => r.reason)).to.equal(['scale_down']);
            expect(rows.filter((r) => r.kind === 'leave').map((r) => r.reason)).to.equal(['scale_down']);
        });
    });

    it('takes an abandoned launch for a failed build: the server leaves, is deleted and replaced', async () => {
        const who = { tenant: '' };
        const host = heldWorkflow(() => who.tenant);
        await withRig(options(host.workflow), async (rig) => {
            who.tenant = rig.tenant;
            const groupId = await grown(rig, 1);
            await runWorkflows(rig);
            const [launch] = host.calls;
            launch?.answer('abandon');
            await settleWorkflows(rig);
            await rig.converge(groupId);

            // It leaves through the host's terminate first, and a replacement is asked for at once.
            await runWorkflows(rig);
            const terminate = host.calls.filter((c) => c.ctx.event === 'terminate');
            expect(terminate.map((c) => c.ctx.server.id)).to.equal([launch?.ctx.server.id]);
            expect(rig.ours(groupId)).to.have.length(2);
            terminate[0]?.answer('continue');
            await settleWorkflows(rig);
            await rig.converge(groupId);
            expect(deletes(rig)).to.equal([launch?.ctx.server.id]);
            const rows = await rig.activity(groupId);
            expect(rows.filter((r) => r.kind === 'workflow_launch').map((r) => [r.outcome, r.reason])).to.equal([['failed', 'workflow_abandoned']]);
            expect(rows.filter((r) => r.kind === 'delete').map((r) => r.reason)).to.equal(['workflow_abandoned']);
            expect(rows.filter((r) => r.kind === 'create').map((r) => r.reason)).to.equal(['replace', 'scale_up']);
        });
    });

    it('takes a running stage up again in another instance (a restart), with the same server', async () => {
        const who = { tenant: '' };
        const first = heldWorkflow(() => who.tenant);
        const rig = await startRig(options(first.workflow));
        who.tenant = rig.tenant;
        const second = heldWorkflow(() => who.tenant);
        let other: Hapi.Server | null = null;
        try {
            const groupId = await grown(rig, 1);
            await runWorkflows(rig);
            const serverId = first.calls[0]?.ctx.server.id;
            expect(serverId).to.exist();
            // The first instance goes (its call is aborted, nothing written); another over the same database takes the stage up.
            await rig.server.plugins['nova-autoscale'].engine.stop();
            expect(first.calls[0]?.ctx.signal.aborted).to.be.true();
            other = Hapi.server();
            await other.register({
                plugin,
                options: {
                    schedules: { intervalMs: 0 },
                    database: { knex: (await testDatabase()).knex }, clock: rig.clock,
                    openstack: { tokenValidator: tableValidator({}), serviceAccount: demoServiceAccount(rig.sim) },
                    workflows: { hooks: second.workflow }, workflowRunner: { intervalMs: 0 }, converger: { recheckMs: 0 }, alerts: { intervalMs: 0, pruneIntervalMs: 0 }
                }
            }, { routes: { prefix: '/autoscale' } });
            await other.initialize();
            await other.plugins['nova-autoscale'].engine.workflows.runOnce();
            await until(() => second.calls.length === 1);
            expect(second.calls.map((c) => [c.ctx.event, c.ctx.server.id])).to.equal([['launch', serverId]]);
            second.calls[0]?.answer('continue');
            await other.plugins['nova-autoscale'].engine.workflows.settle();
            const state = await rig.state(groupId);
            expect([state.activeCapacity, state.pendingCapacity]).to.equal([1, 0]);
        }
        finally {
            await other?.stop();
            await rig.stop();
        }
    });
});

describe('workflows: GET and PUT', () => {

    it('reads builtin by default, takes a registered name, and never answers with a 500', async () => {
        const who = { tenant: '' };
        const host = heldWorkflow(() => who.tenant);
        await withRig(options(host.workflow), async (rig) => {
            who.tenant = rig.tenant;
            const groupId = await rig.createGroup();
            const url = `/${rig.tenant}/groups/${groupId}/workflow`;
            expect(field((await rig.api('GET', url)).result, 'workflow')).to.equal({ type: 'builtin' });
            const put = await rig.api('PUT', url, { type: 'hooks' });
            expect([put.statusCode, field(put.result, 'workflow')]).to.equal([200, { type: 'hooks' }]);
            expect(field((await rig.api('GET', url)).result, 'workflow')).to.equal({ type: 'hooks' });
            expect(field((await rig.api('PUT', url, { type: 'builtin' })).result, 'workflow')).to.equal({ type: 'builtin' });
            expect((await rig.api('GET', `/${rig.tenant}/groups/00000000-0000-4000-8000-000000000000/workflow`)).statusCode).to.equal(404);
        });
    });

    it('refuses an unknown type, a stray key, and a webhook to a private address, naming the field and changing nothing', async () => {
        await withRig(options(heldWorkflow(() => '').workflow), async (rig) => {
            const groupId = await rig.createGroup();
            const url = `/${rig.tenant}/groups/${groupId}/workflow`;
            await rig.api('PUT', url, { type: 'hooks' });
            const webhook = { type: 'webhook', url: 'https://hooks.example.com/scale', secret: 's'.repeat(16) };
            const rows: [object, string][] = [
                [{ type: 'other' }, 'type'],
                [{}, 'type'],
                [{ type: 'builtin', url: 'https://x.example' }, 'url'],
                [{ ...webhook, secret: 'short' }, 'secret'],
                [{ ...webhook, timeoutS: 10 }, 'timeoutS'],
                [{ ...webhook, events: [] }, 'events'],
                [{ ...webhook, url: 'ftp://x.example' }, 'url'],
                [{ ...webhook, url: 'https://10.0.0.1/scale' }, 'url']
            ];
            for (const [body, named] of rows) {
                const res = await rig.api('PUT', url, body);
                expect(res.statusCode, `${JSON.stringify(body)}: ${res.payload}`).to.equal(400);
                expect(field(res.result, 'error', 'details', 'field')).to.equal(named);
            }

            expect(field((await rig.api('GET', url)).result, 'workflow')).to.equal({ type: 'hooks' });
        });
    });
});

// Waits (a few event-loop turns at a time, 2 s at most) until `done` holds.
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 400; i++) {
        if (await done()) {
            return;
        }

        await new Promise((resolve) => setTimeout(resolve, 5));
    }

    throw new Error('not within 2 s');
}
