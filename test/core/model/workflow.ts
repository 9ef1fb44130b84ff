// A server's workflow stages (core/model/workflow.ts stagesOf): the
// customer's before joining pools on launch, after leaving them on terminate,
// and only the stages that apply.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { afterStage, stageEndReason, stagesOf, type WorkflowConfig, type WorkflowEvent, type WorkflowStage } from '../../../core/model/workflow';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const webhook = (events: WorkflowEvent[]): WorkflowConfig => ({ type: 'webhook', url: 'https://h.example', secret: 's'.repeat(16), timeoutS: 300, defaultResult: 'abandon', events });

describe('stagesOf', () => {

    const rows: [string, WorkflowConfig, boolean, WorkflowStage[], WorkflowStage[]][] = [
        ['builtin without load balancers: none (in service at ACTIVE)', { type: 'builtin' }, false, [], []],
        ['builtin with load balancers: the members both ways', { type: 'builtin' }, true, ['members'], ['members']],
        ['a host\'s: the customer both ways', { type: 'host', name: 'hooks' }, false, ['customer'], ['customer']],
        ['a host\'s with load balancers: customer then members, members then customer', { type: 'host', name: 'hooks' }, true, ['customer', 'members'], ['members', 'customer']],
        ['a webhook of both events', webhook(['launch', 'terminate']), false, ['customer'], ['customer']],
        ['a webhook of launch only, with load balancers', webhook(['launch']), true, ['customer', 'members'], ['members']],
        ['a webhook of terminate only', webhook(['terminate']), false, [], ['customer']]
    ];

    for (const [name, config, pools, launch, terminate] of rows) {
        it(name, () => {
            expect([stagesOf(config, 'launch', pools), stagesOf(config, 'terminate', pools)]).to.equal([launch, terminate]);
        });
    }
});

describe('stageEndReason', () => {

    it('says what a stage\'s end makes of its workflow', () => {
        expect([
            stageEndReason('launch', afterStage('launch', 0, false, 'continue')),
            stageEndReason('terminate', afterStage('terminate', 0, false, 'continue')),
            stageEndReason('launch', afterStage('launch', 1, true, 'continue')),
            stageEndReason('launch', afterStage('launch', 0, false, 'abandon')),
            stageEndReason('terminate', afterStage('terminate', 1, true, 'continue'))
        ]).to.equal(['joining', 'leaving', 'in_service', 'workflow_abandoned', 'left']);
    });
});
