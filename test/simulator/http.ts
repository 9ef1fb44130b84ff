import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { connect } from 'node:net';
import { aliceToken, arr, call, createServer, obj, withSim } from './helpers';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

// Speak HTTP by hand, for what a well-behaved client never sends.
const raw = (port: number, text: string, end = true): Promise<string> => {
    return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString('utf8')));
        socket.on('end', () => resolve(data));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
        socket.write(text);
        if (end) {
            socket.end();
        }
        else {
            setTimeout(() => socket.destroy(), 50);
        }
    });
};

describe('simulator: HTTP edges', () => {

    it('builds links from the configured origin when a client sends no Host', async () => {
        await withSim({}, async (sim) => {
            const token = aliceToken(sim);
            const id = await createServer(sim, token);
            const reply = await raw(sim.port, `GET /compute/v2.1/servers HTTP/1.0\r\nX-Auth-Token: ${token}\r\n\r\n`);
            expect(reply).to.startWith('HTTP/1.1 200');
            const body = obj(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as unknown);
            const links = arr(obj(arr(body.servers)[0]).links).map(obj);
            expect(links[0]?.href).to.equal(`${sim.computeUrl}/servers/${id}`);
        });
    });

    it('survives a client that leaves in the middle of a body, logging nothing', async () => {
        await withSim({}, async (sim) => {
            await raw(sim.port, 'POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"auth"', false);
            expect(sim.requests).to.have.length(0);
            expect((await call('GET', sim.authUrl)).status).to.equal(200);
        });
    });

    it('refuses a body over 1 MiB with 413', async () => {
        await withSim({}, async (sim) => {
            const res = await call('POST', `${sim.computeUrl}/servers`, { token: aliceToken(sim), body: 'x'.repeat(1024 * 1024 + 1) });
            expect(res.status).to.equal(413);
            expect(sim.requests).to.have.length(0);
        });
    });

    it('finds nothing for a malformed escape in a path', async () => {
        await withSim({}, async (sim) => {
            const res = await call('GET', `${sim.computeUrl}/servers/%E0%A4%A`, { token: aliceToken(sim) });
            expect(res.status).to.equal(404);
            expect(obj(obj(res.json).itemNotFound).message).to.equal('Instance %E0%A4%A could not be found.');
        });
    });

    it('needs a token for anything but GET on the compute root', async () => {
        await withSim({}, async (sim) => {
            expect((await call('POST', sim.computeUrl)).status).to.equal(401);
            expect((await call('POST', sim.computeUrl, { token: aliceToken(sim) })).status).to.equal(404);
        });
    });
});
