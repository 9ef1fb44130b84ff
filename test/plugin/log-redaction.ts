// What a request log may show of a request (plugin/log-redaction.ts): the
// capability of a webhook URL and the token of a workflow callback cut from
// the path however it is spelt, query values other than the API's own
// redacted, credential headers replaced.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { loggableHeaders, loggablePath } from '../../plugin';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('log redaction', () => {

    it('cuts a capability or a callback token from the path, and nothing else', () => {
        const table: [string, string][] = [
            ['/autoscale/v1.0/execute/1/c4p4b1l1ty/', '/autoscale/v1.0/execute/1/[redacted]/'],
            ['/autoscale/v1.0/execute/1/c4p4b1l1ty', '/autoscale/v1.0/execute/1/[redacted]'],
            ['/autoscale/v1.0/workflow/1/0123abcd', '/autoscale/v1.0/workflow/1/[redacted]'],
            ['/v1.0/execute/1/c4p4b1l1ty/', '/v1.0/execute/1/[redacted]/'],                      // mounted without a prefix
            ['/autoscale/v1.0/execute/c4p4b1l1ty/', '/autoscale/v1.0/execute/[redacted]/'],        // no version: the rest is cut all the same
            ['/autoscale/v1.0/execute/1/c4p/4b1/', '/autoscale/v1.0/execute/1/[redacted]/'],
            ['/autoscale/v1%2E0/%65xecute/1/c4p4b1l1ty/', '/autoscale/v1.0/execute/1/[redacted]/'],
            ['/autoscale/V1.0//Execute//1//c4p4b1l1ty', '/autoscale/V1.0//Execute//1/[redacted]'],
            ['/autoscale/v1.0%2Fexecute%2F1%2Fc4p4b1l1ty', '/autoscale/v1.0/execute/1/[redacted]'],
            ['/autoscale/v1.0/workflow/1/%ZZ-t0k3n', '/autoscale/v1.0/workflow/1/[redacted]'],
            ['/autoscale/v1.0/execute/1/', '/autoscale/v1.0/execute/1/'],
            ['/autoscale/v1.0/execute', '/autoscale/v1.0/execute'],
            ['/autoscale/v1.0/workflow//', '/autoscale/v1.0/workflow//'],
            ['/autoscale/v1.0/t1/groups/g1/workflow', '/autoscale/v1.0/t1/groups/g1/workflow'],  // the workflow's settings: no secret
            ['/autoscale/v1.0/t1/groups/g1/policies/p1/execute', '/autoscale/v1.0/t1/groups/g1/policies/p1/execute'],
            ['/autoscale/health', '/autoscale/health']
        ];
        for (const [path, shown] of table) {
            expect(loggablePath(path), path).to.equal(shown);
        }
    });

    it('keeps the API\'s own query values and redacts any other\'s', () => {
        expect(loggablePath('/autoscale/v1.0/t1/groups?limit=5&marker=g9&token=s3cr3t&flag')).to.equal('/autoscale/v1.0/t1/groups?limit=5&marker=g9&token=[redacted]&flag');
        expect(loggablePath('/autoscale/v1.0/t1/groups/g1?Force=true&replace=false')).to.equal('/autoscale/v1.0/t1/groups/g1?Force=true&replace=false');
        expect(loggablePath('/autoscale/v1.0/execute/1/c4p/?x=1#frag')).to.equal('/autoscale/v1.0/execute/1/[redacted]/?x=[redacted]');
        expect(loggablePath('/autoscale/health#frag')).to.equal('/autoscale/health');
        expect(loggablePath('/autoscale/health?')).to.equal('/autoscale/health');
    });

    it('replaces the values of the headers that carry credentials', () => {
        expect(loggableHeaders({ 'X-Auth-Token': 'tok', 'x-subject-token': 'sub', authorization: 'Bearer b', cookie: 'c=1', accept: 'application/json' }))
            .to.equal({ 'X-Auth-Token': '[redacted]', 'x-subject-token': '[redacted]', authorization: '[redacted]', cookie: '[redacted]', accept: 'application/json' });
    });
});
