// publicUrl (contract §1, AUTOSCALE_PUBLIC_URL): the base of Location, links
// and capability URLs, whatever Host the request carries; without it the
// request's own host, as before.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import Hapi from '@hapi/hapi';
import { plugin } from '../plugin';
import { caller, field, freshTenant, testServer, validGroup } from './support/server';
import { tableValidator } from './support/identity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const hrefs = (value: unknown): string[] => JSON.stringify(value).match(/"href":"[^"]+"/g)?.map((h) => h.slice(8, -1)) ?? [];

describe('publicUrl', () => {

    it('is the base of Location, every link and the capability URL, whatever the Host header says', async () => {
        const tenant = freshTenant();
        const server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }), publicUrl: 'https://monitor.example.com/ops/' });
        try {
            const api = caller(server, 'tok');
            const headers = { 'x-auth-token': 'tok', host: 'evil.example.net' };
            const created = await server.inject({ method: 'POST', url: `/autoscale/v1.0/${tenant}/groups`, headers, payload: validGroup() });
            expect(created.statusCode).to.equal(201);
            const base = `https://monitor.example.com/ops/autoscale/v1.0/${tenant}`;
            const groupId = String(field(created.result, 'group', 'id'));
            expect(created.headers.location).to.equal(`${base}/groups/${groupId}`);

            const policies = await server.inject({
                method: 'POST', url: `/autoscale/v1.0/${tenant}/groups/${groupId}/policies`, headers,
                payload: [{ name: 'up', cooldown: 0, change: 1, type: 'webhook' }]
            });
            const policyId = String(field(policies.result, 'policies', 0, 'id'));
            const hooks = await api('POST', `/${tenant}/groups/${groupId}/policies/${policyId}/webhooks`, [{ name: 'alarm' }]);
            const links = [...hrefs(created.result), ...hrefs(policies.result), ...hrefs(hooks.result)];
            expect(links.length).to.be.at.least(4);
            for (const href of links) {
                expect(href.startsWith('https://monitor.example.com/ops/autoscale/v1.0/'), href).to.be.true();
            }

            expect(links.some((href) => href.includes('/execute/1/'))).to.be.true();     // the capability URL too
        }
        finally {
            await server.stop();
        }
    });

    it('without it, links follow the request\'s own host', async () => {
        const tenant = freshTenant();
        const server = await testServer({ validator: tableValidator({ tok: { projectId: tenant } }) });
        try {
            const created = await server.inject({ method: 'POST', url: `/autoscale/v1.0/${tenant}/groups`, headers: { 'x-auth-token': 'tok', host: 'api.example.org:8443' }, payload: validGroup() });
            expect(String(created.headers.location).startsWith(`http://api.example.org:8443/autoscale/v1.0/${tenant}/groups/`)).to.be.true();
        }
        finally {
            await server.stop();
        }
    });

    it('must be an absolute http(s) URL without query or fragment', async () => {
        for (const publicUrl of ['monitor.example.com', 'ftp://monitor.example.com', 'https://monitor.example.com/?a=1', 'https://monitor.example.com/#top']) {
            const server = Hapi.server();
            await expect(server.register({ plugin, options: { publicUrl, auth: { strategy: 'none' } } }), publicUrl).to.reject(/publicUrl/);
        }
    });
});
