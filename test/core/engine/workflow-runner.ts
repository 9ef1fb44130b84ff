// The workflow runner (core/engine/workflow-runner.ts): a host's workflow is
// called for each running customer stage, once per process, against the
// stage's deadline; its answer is written as the stage's end, which kicks
// the converger; a kill-switch `all` holds it; stop() aborts what runs.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { workflowRunner, type WorkflowRunnerDeps } from '../../../core/engine/workflow-runner';
import type { ActivityInput } from '../../../core/model/activity';
import { GroupId, TenantId } from '../../../core/model/ids';
import type { KillSwitch } from '../../../core/model/kill-switch';
import type { WorkflowResult } from '../../../core/model/workflow';
import type { RunningStage, StageEnd, Workflow, WorkflowContext, WorkflowStore } from '../../../core/ports/workflows';
import { gate, logRecorder, manualClock, manualScheduler, settle } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const stage = (n: number, over: Partial<RunningStage> = {}): RunningStage => ({
    intentId: `i${n}`, event: 'launch', groupId: GroupId('g1'), tenantId: TenantId('t1'), serverId: `s${n}`,
    workflow: { type: 'host', name: 'hooks' }, stage: 'customer', stageIndex: 0, last: true, stageStartedAt: new Date('2030-01-01T00:00:00Z'), ...over
});

// Running stages as the store holds them; an end removes its stage, as finishStage does.
const fakeStore = (running: RunningStage[]) => {
    const ends: { end: StageEnd; rows: readonly ActivityInput[] }[] = [];
    const store: WorkflowStore = {
        runningStages: (limit) => Promise.resolve(running.slice(0, limit)),
        finishStage: (end, rows) => {
            const i = running.findIndex((s) => s.intentId === end.intentId && s.event === end.event && s.stageIndex === end.stageIndex);
            if (i < 0) {
                return Promise.resolve(false);
            }

            running.splice(i, 1);
            ends.push({ end, rows });
            return Promise.resolve(true);
        }
    };
    return { store, ends };
};

// A host workflow that answers what the test says, when it says.
const hostWorkflow = (answer: (ctx: WorkflowContext) => Promise<WorkflowResult>, timeoutS?: number) => {
    const calls: WorkflowContext[] = [];
    const workflow: Workflow = {
        launch: (ctx) => {
            calls.push(ctx);
            return answer(ctx);
        },
        terminate: (ctx) => {
            calls.push(ctx);
            return answer(ctx);
        },
        ...(timeoutS === undefined ? {} : { timeoutS })
    };
    return { workflow, calls };
};

const world = (running: RunningStage[], workflows: Record<string, Workflow>, over: Partial<WorkflowRunnerDeps> = {}) => {
    const clock = manualClock();
    const scheduler = manualScheduler();
    const { log, entries } = logRecorder();
    const { store, ends } = fakeStore(running);
    const kicks: string[] = [];
    const switches: KillSwitch[] = [];
    const runner = workflowRunner({
        store, killSwitches: () => Promise.resolve(switches), hostWorkflows: new Map(Object.entries(workflows)), clock, scheduler, log,
        region: 'r1', kick: (id) => kicks.push(id), intervalMs: 0, batch: 10, ...over
    });
    return { clock, scheduler, runner, ends, kicks, switches, logs: entries };
};

describe('workflowRunner', () => {

    it('calls the host\'s launch for a running stage, writes its continue, and kicks the converger', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1)], { hooks: host.workflow });
        expect(await w.runner.runOnce()).to.equal(1);
        await w.runner.settle();
        expect(host.calls.map((c) => [c.event, c.tenantId, c.groupId, c.server.id, c.deadline.toISOString()]))
            .to.equal([['launch', 't1', 'g1', 's1', '2030-01-01T00:05:00.000Z']]);
        expect(w.ends.map((e) => e.end)).to.equal([{ intentId: 'i1', event: 'launch', stageIndex: 0, result: 'continue', reason: null }]);
        expect(w.ends[0]?.rows.map((r) => [r.kind, r.outcome, r.reason])).to.equal([['workflow_launch', 'done', 'in_service']]);
        expect(w.kicks).to.equal(['g1']);
    });

    it('says which stage comes next when one that is not the last ends, and that a terminate is done when the last does', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1, { last: false }), stage(2, { event: 'terminate', last: false }), stage(3, { event: 'terminate' })], { hooks: host.workflow });
        await w.runner.runOnce();
        await w.runner.settle();
        expect(w.ends.map((e) => e.rows[0]?.reason)).to.equal(['joining', 'leaving', 'left']);
    });

    it('lets a terminate that failed or timed out end without a failure reason: the delete goes on', async () => {
        const g = gate();
        const threw = hostWorkflow(() => Promise.reject(new Error('boom')));
        const hangs = hostWorkflow(async () => {
            await g.pass();
            return 'continue';
        }, 30);
        const w = world([stage(1, { event: 'terminate', workflow: { type: 'host', name: 'threw' } }), stage(2, { event: 'terminate', workflow: { type: 'host', name: 'hangs' } })],
            { threw: threw.workflow, hangs: hangs.workflow });
        await w.runner.runOnce();
        await g.reached;
        w.scheduler.fire(30_000);
        await settle();
        expect(w.ends.map((e) => [e.end.intentId, e.end.result, e.end.reason])).to.equal([['i1', 'abandon', null], ['i2', 'abandon', null]]);
        g.open();
        await w.runner.settle();
    });

    it('writes an abandon with its reason: said, thrown, or not answered before the deadline', async () => {
        const said = hostWorkflow(() => Promise.resolve('abandon'));
        const threw = hostWorkflow(() => Promise.reject(new Error('boom')));
        const nonsense = hostWorkflow(() => Promise.resolve('maybe' as WorkflowResult));
        const w = world([stage(1, { workflow: { type: 'host', name: 'said' } }), stage(2, { workflow: { type: 'host', name: 'threw' } }), stage(3, { workflow: { type: 'host', name: 'nonsense' } })],
            { said: said.workflow, threw: threw.workflow, nonsense: nonsense.workflow });
        await w.runner.runOnce();
        await w.runner.settle();
        expect(w.ends.map((e) => [e.end.intentId, e.end.result, e.end.reason])).to.equal([
            ['i1', 'abandon', 'workflow_abandoned'], ['i2', 'abandon', 'workflow_failed'], ['i3', 'abandon', 'workflow_failed']
        ]);
        expect(w.ends.map((e) => e.rows[0]?.outcome)).to.equal(['failed', 'failed', 'failed']);
    });

    it('applies the default at the deadline, and aborts the host\'s call', async () => {
        const g = gate();
        const host = hostWorkflow(async () => {
            await g.pass();
            return 'continue';
        }, 60);
        const w = world([stage(1)], { hooks: host.workflow });
        await w.runner.runOnce();
        await g.reached;
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([60_000]);
        w.scheduler.fire(60_000);
        await settle();
        expect(w.ends.map((e) => [e.end.result, e.end.reason])).to.equal([['abandon', 'workflow_timeout']]);
        expect(host.calls[0]?.signal.aborted).to.be.true();
        g.open();
        await w.runner.settle();
        expect(w.ends).to.have.length(1);
    });

    it('times out at once a stage whose deadline passed while no instance ran, without calling the host', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1), stage(2, { event: 'terminate' })], { hooks: host.workflow });
        w.clock.advance(301_000);
        await w.runner.runOnce();
        await w.runner.settle();
        expect(host.calls).to.equal([]);
        // A terminate that times out still lets the delete go on: no failure reason, the default abandon.
        expect(w.ends.map((e) => [e.end.event, e.end.result, e.end.reason, e.rows[0]?.reason])).to.equal([
            ['launch', 'abandon', 'workflow_timeout', 'workflow_timeout'], ['terminate', 'abandon', null, 'workflow_abandoned']
        ]);
    });

    it('fails a stage whose workflow is not registered (the host dropped it)', async () => {
        const w = world([stage(1, { workflow: { type: 'host', name: 'gone' } }), stage(2, { event: 'terminate', workflow: { type: 'host', name: 'gone' } })], {});
        await w.runner.runOnce();
        await w.runner.settle();
        expect(w.ends.map((e) => [e.end.result, e.end.reason])).to.equal([['abandon', 'workflow_failed'], ['abandon', null]]);
        expect(w.ends[0]?.rows[0]?.message).to.contain('no workflow named "gone" is registered');
    });

    it('starts each stage once per process, however many rounds see it running', async () => {
        const g = gate();
        const host = hostWorkflow(async () => {
            await g.pass();
            return 'continue';
        });
        const w = world([stage(1)], { hooks: host.workflow });
        expect(await w.runner.runOnce()).to.equal(1);
        await g.reached;
        expect(await w.runner.runOnce()).to.equal(0);
        g.open();
        await w.runner.settle();
        expect(host.calls).to.have.length(1);
    });

    it('leaves alone what is not a host\'s customer stage (webhooks and members run elsewhere)', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1, { stage: 'members' }), stage(2, { workflow: { type: 'builtin' } })], { hooks: host.workflow });
        expect(await w.runner.runOnce()).to.equal(0);
        expect(host.calls).to.equal([]);
    });

    it('holds every stage under a kill-switch `all` that applies, not under scale-up or another region\'s', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1)], { hooks: host.workflow });
        w.switches.push({ scope: { kind: 'region', region: 'r2' }, mode: 'all', reason: 'r', who: 'op', expiresAt: null });
        w.switches.push({ scope: { kind: 'global' }, mode: 'scale-up', reason: 'r', who: 'op', expiresAt: null });
        w.switches.push({ scope: { kind: 'region', region: 'r1' }, mode: 'all', reason: 'r', who: 'op', expiresAt: null });
        expect(await w.runner.runOnce()).to.equal(0);
        w.switches.pop();
        expect(await w.runner.runOnce()).to.equal(1);
        await w.runner.settle();
        expect(w.ends).to.have.length(1);
    });

    it('does not write an end twice: a stage another instance ended kicks nothing', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const running = [stage(1)];
        const w = world(running, { hooks: host.workflow });
        const g = gate();
        const slow = hostWorkflow(async () => {
            await g.pass();
            return 'continue';
        });
        const w2 = world(running, { hooks: slow.workflow });
        await w2.runner.runOnce();
        await g.reached;
        await w.runner.runOnce();
        await w.runner.settle();
        g.open();
        await w2.runner.settle();
        expect(w.kicks).to.equal(['g1']);
        expect(w2.kicks).to.equal([]);
    });

    it('rounds on its own only when given an interval', async () => {
        const w = world([], {});
        w.runner.start();
        expect(w.scheduler.pending()).to.equal([]);
        await w.runner.stop();
    });

    it('rounds on its own when given an interval; stop() aborts what runs, does not wait for a host that ignores it, and writes nothing for it', async () => {
        const g = gate();
        const host = hostWorkflow(async () => {
            await g.pass();
            return 'continue';
        });
        const w = world([stage(1)], { hooks: host.workflow }, { intervalMs: 1000 });
        w.runner.start();
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        w.scheduler.fire(1000);
        await g.reached;
        await w.runner.stop();
        expect(host.calls[0]?.signal.aborted).to.be.true();
        g.open();
        await settle();
        expect(w.ends).to.equal([]);
        expect(w.scheduler.pending().filter((t) => t.ms === 1000)).to.equal([]);
        await w.runner.stop();
    });

    it('logs a round that fails, and goes on', async () => {
        const w = world([], {}, {
            intervalMs: 1000,
            store: { runningStages: () => Promise.reject(new Error('db down')), finishStage: () => Promise.resolve(false) }
        });
        w.runner.start();
        w.scheduler.fire(1000);
        await settle();
        expect(w.logs.map((l) => l.tags)).to.equal([['workflow', 'error']]);
        expect(w.scheduler.pending().map((t) => t.ms)).to.equal([1000]);
        await w.runner.stop();
    });

    it('logs a failed write of a stage\'s end', async () => {
        const host = hostWorkflow(() => Promise.resolve('continue'));
        const w = world([stage(1)], { hooks: host.workflow }, {
            store: { runningStages: () => Promise.resolve([stage(1)]), finishStage: () => Promise.reject(new Error('db down')) }
        });
        await w.runner.runOnce();
        await w.runner.settle();
        expect(w.logs.map((l) => [l.tags, String(l.data)])).to.equal([[['workflow', 'error'], 'Error: db down']]);
    });
});
