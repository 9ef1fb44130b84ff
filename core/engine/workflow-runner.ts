// The workflow runner (docs/workflows.md): drives each server's running
// customer stage that the host plugged in (`{type: "<name>"}`), and writes
// its end, which moves the ledger (in service, or abandoned) and kicks the
// converger. Stages run outside the converger's lease: a workflow may take
// minutes, a converger run must not. Level-based like the converger: a round
// reads what is running and starts what is not started in this process, so a
// restart takes every stage up again (a host workflow is safe to repeat).
import type { WorkflowFailureReason } from '../model/activity';
import type { GroupId } from '../model/ids';
import { modeInForce, type KillSwitch } from '../model/kill-switch';
import type { WorkflowResult } from '../model/workflow';
import type { Clock } from '../ports/clock';
import type { Scheduler, Timer } from '../ports/scheduler';
import type { RunningStage, Workflow, WorkflowStore } from '../ports/workflows';
import { errorData, type Log } from './log';
import { endRow } from './stage-rows';
import { every, type Ticker } from './ticker';

export const DEFAULT_HOST_TIMEOUT_S = 300;

export interface WorkflowRunnerDeps {
    readonly store: WorkflowStore;
    readonly killSwitches: () => Promise<readonly KillSwitch[]>;
    readonly hostWorkflows: ReadonlyMap<string, Workflow>;
    readonly clock: Clock;
    readonly scheduler: Scheduler;
    readonly log: Log;
    readonly region: string | null;
    readonly kick: (groupId: GroupId) => void;  // the converger, when a stage's end moved the ledger
    readonly intervalMs: number;                // a round this often (0: only when asked)
    readonly batch: number;                     // running stages read per round
}

export interface WorkflowRunner {
    // One round: start what runs here and is not started yet; resolves with how many started.
    runOnce(): Promise<number>;
    // Waits for every host call under way to end (tests, and stop()).
    settle(): Promise<void>;
    start(): void;
    stop(): Promise<void>;
}

const keyOf = (stage: Pick<RunningStage, 'intentId' | 'event' | 'stageIndex'>): string => `${stage.intentId}:${stage.event}:${stage.stageIndex}`;

export const workflowRunner = (deps: WorkflowRunnerDeps): WorkflowRunner => {
    const { store, clock, scheduler, log } = deps;
    const underWay = new Map<string, { readonly abort: AbortController; readonly done: Promise<void> }>();
    let ticker: Ticker | null = null;
    let stopped = true;

    const finish = async (stage: RunningStage, result: WorkflowResult, reason: WorkflowFailureReason | null, detail: string): Promise<void> => {
        const written = await store.finishStage(
            { intentId: stage.intentId, event: stage.event, stageIndex: stage.stageIndex, result, reason },
            [endRow(stage, result, reason, detail)]);
        if (written) {
            deps.kick(stage.groupId);
        }
    };

    // The host's call, raced against the stage's deadline; its end is written once.
    const callHost = async (stage: RunningStage, workflow: Workflow, abort: AbortController): Promise<void> => {
        const timeoutS = workflow.timeoutS ?? DEFAULT_HOST_TIMEOUT_S;
        const deadline = new Date(stage.stageStartedAt.getTime() + timeoutS * 1000);
        const leftMs = deadline.getTime() - clock.now().getTime();
        if (leftMs <= 0) {
            await finish(stage, 'abandon', stage.event === 'launch' ? 'workflow_timeout' : null, `no answer within ${timeoutS} s`);
            return;
        }

        const clockwork: { timer: Timer | null } = { timer: null };
        const timedOut = new Promise<'timeout'>((resolve) => {
            clockwork.timer = scheduler.after(leftMs, () => resolve('timeout'));
        });
        const ctx = { event: stage.event, tenantId: stage.tenantId, groupId: stage.groupId, server: { id: stage.serverId }, deadline, signal: abort.signal };
        const call = (stage.event === 'launch' ? workflow.launch(ctx) : workflow.terminate(ctx))
            .then((result): WorkflowResult | 'failed' => (result === 'continue' || result === 'abandon' ? result : 'failed'), () => 'failed' as const);
        // The plugin stopping does not wait for a host that ignores the signal.
        const stopping = new Promise<'stopped'>((resolve) => abort.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
        const answer = await Promise.race([call, timedOut, stopping]);
        clockwork.timer?.cancel();
        if (answer === 'stopped') {
            return;   // the next start takes the stage up again
        }

        if (answer === 'timeout') {
            abort.abort();   // tells the host's call it is over
            await finish(stage, 'abandon', stage.event === 'launch' ? 'workflow_timeout' : null, `no answer within ${timeoutS} s`);
        }
        else if (answer === 'failed') {
            await finish(stage, 'abandon', stage.event === 'launch' ? 'workflow_failed' : null, 'the workflow failed');
        }
        else {
            await finish(stage, answer, answer === 'abandon' && stage.event === 'launch' ? 'workflow_abandoned' : null, `the workflow said ${answer}`);
        }
    };

    const begin = (stage: RunningStage): boolean => {
        if (stage.stage !== 'customer' || stage.workflow.type !== 'host' || underWay.has(keyOf(stage))) {
            return false;
        }

        const workflow = deps.hostWorkflows.get(stage.workflow.name);
        const abort = new AbortController();
        const done = (workflow === undefined ?
            finish(stage, 'abandon', stage.event === 'launch' ? 'workflow_failed' : null, `no workflow named "${stage.workflow.name}" is registered`) :
            callHost(stage, workflow, abort))
            .catch((err: unknown) => log(['workflow', 'error'], errorData(err)))
            .finally(() => underWay.delete(keyOf(stage)));
        underWay.set(keyOf(stage), { abort, done });
        return true;
    };

    const runOnce = async (): Promise<number> => {
        // A kill-switch `all` holds the customer's stages as it holds deliveries (contract §7).
        if (modeInForce(await deps.killSwitches(), deps.region, clock.now()) === 'all') {
            return 0;
        }

        const stages = await store.runningStages(deps.batch);
        return stages.filter(begin).length;
    };

    const settle = async (): Promise<void> => {
        await Promise.all([...underWay.values()].map((u) => u.done));
    };

    return {
        runOnce,
        settle,
        start: () => {
            stopped = false;
            if (deps.intervalMs > 0) {
                ticker = every(scheduler, deps.intervalMs, runOnce, (err) => log(['workflow', 'error'], errorData(err)));
            }
        },
        stop: async () => {
            if (stopped) {
                return;
            }

            stopped = true;
            // Aborted first: a call that answers while the round winds down writes nothing.
            for (const u of underWay.values()) {
                u.abort.abort();
            }

            await ticker?.stop();
            ticker = null;
            await settle();
        }
    };
};
