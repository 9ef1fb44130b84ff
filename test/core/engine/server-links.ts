// serverEndpoint (core/engine/server-links.ts): a view's server links never
// cost it its answer: no Compute, a Compute that cannot say, a failing or a
// hanging one all answer no endpoint, with the warning that says why.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { ENDPOINT_WAIT_MS, serverEndpoint } from '../../../core/engine/server-links';
import { TenantId } from '../../../core/model/ids';
import type { Compute, ComputeScope } from '../../../core/ports/compute';
import { fakeCompute, manualClock, manualScheduler, settle } from './fakes';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t1 = TenantId('t1');

const withEndpoint = (endpoint: Compute['endpoint']): Compute => fakeCompute(manualClock(), endpoint).compute;

describe('serverEndpoint', () => {

    it('answers no endpoint and no warning without a Compute, or one that cannot say', async () => {
        const scheduler = manualScheduler();
        expect(await serverEndpoint(null, scheduler, t1, 'r1')).to.equal({ endpoint: null, warning: null });
        expect(await serverEndpoint(fakeCompute(manualClock()).compute, scheduler, t1, 'r1')).to.equal({ endpoint: null, warning: null });
        expect(await serverEndpoint(withEndpoint(async () => null), scheduler, t1, 'r1')).to.equal({ endpoint: null, warning: null });
        expect(scheduler.pending()).to.equal([]);
    });

    it('answers the tenant\'s endpoint in the region and cancels its timer', async () => {
        const scheduler = manualScheduler();
        const asked: ComputeScope[] = [];
        const answer = await serverEndpoint(withEndpoint(async (scope) => {
            asked.push(scope);
            return 'https://nova.example/compute/v2.1/t1';
        }), scheduler, t1, 'r1');
        expect(answer).to.equal({ endpoint: 'https://nova.example/compute/v2.1/t1', warning: null });
        expect(asked).to.equal([{ projectId: 't1', region: 'r1' }]);
        expect(scheduler.timers.map((t) => [t.ms, t.cancelled])).to.equal([[ENDPOINT_WAIT_MS, true]]);
    });

    it('refuses an endpoint that is not an absolute URL', async () => {
        const answer = await serverEndpoint(withEndpoint(async () => 'nova.example/v2.1'), manualScheduler(), t1, null);
        expect(answer).to.equal({ endpoint: null, warning: 'The compute endpoint "nova.example/v2.1" is not an absolute URL: no server links' });
    });

    it('answers the failure as the warning', async () => {
        const scheduler = manualScheduler();
        expect(await serverEndpoint(withEndpoint(() => Promise.reject(new Error('Keystone unavailable'))), scheduler, t1, null))
            .to.equal({ endpoint: null, warning: 'Keystone unavailable' });
        expect(await serverEndpoint(withEndpoint(() => Promise.reject('catalog unreadable')), scheduler, t1, null))
            .to.equal({ endpoint: null, warning: 'catalog unreadable' });
        expect(scheduler.timers.every((t) => t.cancelled)).to.be.true();
    });

    it('gives up on an endpoint that never answers when its timer fires', async () => {
        const scheduler = manualScheduler();
        const answer = serverEndpoint(withEndpoint(() => new Promise<string>(() => undefined)), scheduler, t1, null);
        await settle();
        expect(scheduler.pending().map((t) => t.ms)).to.equal([ENDPOINT_WAIT_MS]);
        scheduler.fire();
        expect(await answer).to.equal({ endpoint: null, warning: `No compute endpoint within ${ENDPOINT_WAIT_MS} ms` });
    });
});
