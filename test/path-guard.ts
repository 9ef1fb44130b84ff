// A path hapi cannot percent-decode: under our prefix, the contract's error
// shape (400, field "path"); a capability URL's still 202 like every other.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { caller, field, freshTenant, testServer } from './support/server';
import { tableValidator } from './support/identity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('an undecodable path', () => {

    it('answers in the contract\'s error shape under our prefix, 202 on the capability URL', async () => {
        const tenant = freshTenant();
        const server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }) });
        try {
            const api = caller(server, 'tok');
            for (const path of [`/${tenant}/groups/%zz`, `/${tenant}/groups/%E0%A4%A/policies`]) {
                const res = await api('GET', path);
                expect(res.statusCode, path).to.equal(400);
                expect(field(res.result, 'error')).to.equal({
                    code: 400, type: 'ValidationError', message: 'The request path is not valid percent-encoding', details: { field: 'path' }
                });
            }

            const capability = await server.inject({ method: 'POST', url: '/autoscale/v1.0/execute/1/%zz/' });
            expect([capability.statusCode, capability.payload]).to.equal([202, '']);
            // A decodable path is left to the routes.
            expect((await api('GET', `/${tenant}/groups/nope`)).statusCode).to.equal(404);
        }
        finally {
            await server.stop();
        }
    });
});
