// A group's workflow (contract §7, docs/workflows.md): what runs between
// Nova's ACTIVE and in service, and before a server of ours is deleted.
// In service is the workflow's word, not Nova's (design idea 8).
import type { Reason } from './activity';

export type WorkflowEvent = 'launch' | 'terminate';
export type WorkflowResult = 'continue' | 'abandon';

export const webhookTimeoutS = { min: 30, max: 7200, default: 300 } as const;

export type WorkflowConfig =
    | { readonly type: 'builtin' }
    | {
        readonly type: 'webhook';
        readonly url: string;
        readonly secret: string;                  // write-only on the wire
        readonly timeoutS: number;
        readonly defaultResult: WorkflowResult;
        readonly events: readonly WorkflowEvent[];
        // Where callbacks reach this API (scheme://host/prefix/v1.0), as the
        // PUT that set the workflow was addressed; the public URL setting wins.
        readonly callbackRoot?: string;
    }
    // One the host registered under this name (plugin option `workflows`).
    | { readonly type: 'host'; readonly name: string };

export const builtinWorkflow: WorkflowConfig = Object.freeze({ type: 'builtin' });

// The parts of a server's launch or terminate, in the order they run:
// the customer's (webhook or host) and the load-balancer members (built in).
export type WorkflowStage = 'customer' | 'members';

// Launch: the customer says yes first, then the server joins its pools;
// terminate: it leaves its pools first, then the customer is told (contract §7).
export const stagesOf = (config: WorkflowConfig, event: WorkflowEvent, hasLoadBalancers: boolean): readonly WorkflowStage[] => {
    const customer = config.type === 'host' || (config.type === 'webhook' && config.events.includes(event));
    const members = hasLoadBalancers;
    const ordered: WorkflowStage[] = event === 'launch' ? ['customer', 'members'] : ['members', 'customer'];
    return ordered.filter((stage) => (stage === 'customer' ? customer : members));
};

// What a stage's end makes of its workflow: the next stage starts, or the
// workflow ends with the result (a launch that ends `continue` puts its
// server in service). `abandon` ends it at any stage.
export type AfterStage =
    | { readonly kind: 'next'; readonly stage: number }
    | { readonly kind: 'end'; readonly result: WorkflowResult; readonly inService: boolean };

export const afterStage = (event: WorkflowEvent, stageIndex: number, last: boolean, result: WorkflowResult): AfterStage =>
    result === 'continue' && !last ?
        { kind: 'next', stage: stageIndex + 1 } :
        { kind: 'end', result, inService: event === 'launch' && result === 'continue' };

// The reason of a stage's end row, when the end gave none: what it makes of the workflow.
export const stageEndReason = (event: WorkflowEvent, after: AfterStage): Reason => {
    if (after.kind === 'next') {
        return event === 'launch' ? 'joining' : 'leaving';
    }

    return after.result === 'abandon' ? 'workflow_abandoned' : after.inService ? 'in_service' : 'left';
};
