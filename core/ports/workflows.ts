// Workflows as the engine drives them (docs/workflows.md): what the store
// says is running, how a stage's end is written, and the port a host plugs
// its own workflow in through (contract §7, plugin option `workflows`).
import type { ActivityInput, WorkflowFailureReason } from '../model/activity';
import type { GroupId, TenantId } from '../model/ids';
import type { WorkflowConfig, WorkflowEvent, WorkflowResult, WorkflowStage } from '../model/workflow';

// One server's stage that is running now.
export interface RunningStage {
    readonly intentId: string;
    readonly event: WorkflowEvent;
    readonly groupId: GroupId;
    readonly tenantId: TenantId;
    readonly serverId: string;
    readonly workflow: WorkflowConfig;        // as it was when the server joined
    readonly stage: WorkflowStage;
    readonly stageIndex: number;
    readonly last: boolean;                   // no stage after it
    readonly stageStartedAt: Date;
}

// How a stage ended: `continue` goes on to the next stage (or in service);
// `abandon` ends the workflow, saying why.
export interface StageEnd {
    readonly intentId: string;
    readonly event: WorkflowEvent;
    readonly stageIndex: number;
    readonly result: WorkflowResult;
    readonly reason: WorkflowFailureReason | null;
}

export interface WorkflowStore {
    runningStages(limit: number): Promise<readonly RunningStage[]>;
    // false: that stage had already ended (another instance, a replay): nothing written.
    finishStage(end: StageEnd, activity: readonly ActivityInput[]): Promise<boolean>;
}

// What a host's workflow is told about the server.
export interface WorkflowContext {
    readonly event: WorkflowEvent;
    readonly tenantId: string;
    readonly groupId: string;
    readonly server: { readonly id: string };
    readonly deadline: Date;                  // the default applies after it (abandon)
    readonly signal: AbortSignal;             // aborted at the deadline, or when the plugin stops
}

// A workflow the host registers (plugin option `workflows: {name: adapter}`).
// Each call may be made again for the same server after a restart: make it
// safe to repeat. A rejection counts as `abandon` (reason workflow_failed).
export interface Workflow {
    launch(ctx: WorkflowContext): Promise<WorkflowResult>;
    terminate(ctx: WorkflowContext): Promise<WorkflowResult>;
    readonly timeoutS?: number;               // default 300, as a webhook's
}
