// Replays, coalescing and decisions, as the store hands them over.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideTrigger, type TriggerSnapshot } from '../../../core/decide/trigger';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T00:00:10Z');
const snapshot = (over: Partial<TriggerSnapshot> = {}, forced = false): TriggerSnapshot => ({
    decisionInput: {
        now,
        group: { config: { cooldown: 0, minEntities: 0, maxEntities: 10 }, desired: 3, paused: false, lastScaledAt: null, region: null },
        policy: { adjustment: { change: 1 }, cooldown: 0, lastExecutedAt: null },
        override: null,
        killSwitches: [],
        trigger: { forced }
    },
    prior: null,
    lastDecision: null,
    ...over
});

const prior = { activityId: '7', decisionId: '7', outcome: 'refused' as const, reason: 'cooldown' as const, desiredBefore: 3, desiredAfter: 3, message: 'x' };

describe('decideTrigger', () => {
    it('answers a repeated event as the first time, whatever else holds', () => {
        expect(decideTrigger(snapshot({ prior, lastDecision: { id: '9', at: now } }), 60_000)).to.equal({ kind: 'replay', prior });
    });

    it('coalesces into the latest decision within the window', () => {
        const outcome = decideTrigger(snapshot({ lastDecision: { id: '9', at: new Date(now.getTime() - 1999) } }), 2000);
        expect(outcome.kind).to.equal('coalesced');
        expect(outcome.kind === 'coalesced' && [outcome.decisionId, outcome.desired]).to.equal(['9', 3]);
    });

    it('decides once the window has passed', () => {
        const outcome = decideTrigger(snapshot({ lastDecision: { id: '9', at: new Date(now.getTime() - 2000) } }), 2000);
        expect(outcome.kind === 'decided' && outcome.decision.desiredAfter).to.equal(4);
    });

    it('never coalesces a forced trigger', () => {
        const outcome = decideTrigger(snapshot({ lastDecision: { id: '9', at: now } }, true), 2000);
        expect(outcome.kind === 'decided' && outcome.decision.reason).to.equal('forced');
    });

    it('decides the first trigger of a policy, with no decision to join', () => {
        const outcome = decideTrigger(snapshot(), 60_000);
        expect(outcome.kind === 'decided' && outcome.decision.desiredAfter).to.equal(4);
    });

    it('decides with no window at all', () => {
        expect(decideTrigger(snapshot({ lastDecision: { id: '9', at: now } }), 0).kind).to.equal('decided');
    });
});
