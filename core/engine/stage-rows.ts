// The activity row a customer stage's end leaves (docs/reasons.md), the same
// whether a host's workflow or a webhook ended it.
import type { ActivityInput, Reason, WorkflowFailureReason } from '../model/activity';
import { afterStage, type WorkflowResult } from '../model/workflow';
import type { RunningStage } from '../ports/workflows';

export type EndedStage = Pick<RunningStage, 'event' | 'stageIndex' | 'last' | 'serverId' | 'stage'>;

// The row's reason, when the end gave none: what the end makes of the workflow.
const reasonOf = (stage: EndedStage, result: WorkflowResult): Reason => {
    const after = afterStage(stage.event, stage.stageIndex, stage.last, result);
    if (after.kind === 'next') {
        return stage.event === 'launch' ? 'joining' : 'leaving';
    }

    return after.result === 'abandon' ? 'workflow_abandoned' : after.inService ? 'in_service' : 'left';
};

export const endRow = (stage: EndedStage, result: WorkflowResult, reason: WorkflowFailureReason | null, detail: string): ActivityInput => ({
    source: 'converger', who: 'workflow', desiredBefore: null, desiredAfter: null,
    kind: `workflow_${stage.event}`,
    outcome: result === 'continue' ? 'done' : 'failed',
    reason: reason ?? reasonOf(stage, result),
    message: `Server ${stage.serverId}: ${stage.event} stage ${stage.stage} ${result === 'continue' ? 'done' : `ended ${result}`} (${detail})`
});

