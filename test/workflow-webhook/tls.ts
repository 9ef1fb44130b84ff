// https through the guarded connector: the name goes through the checked
// lookup, and the receiver's certificate is verified (a self-signed one is a
// network error, retried, never a request sent without it).
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { deliver } from '../../adapters/workflow-webhook/deliver';
import { policyOf, scriptedLookup, secret } from './fixtures';
import { attemptTo } from './receiver';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

// A throwaway self-signed key and certificate for hooks.test and 127.0.0.1,
// made for this test only and trusted by nothing.
const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXHHgn5u3l+PwP4GS
aVWL96274zhnrGd/ZLvDoBBLqu6hRANCAATeEbT0zKKq+1bgEro7qeiPPio+4y4M
y4Ekww0Q20NZ9Bn4kg8b4gOUIXQH7wpYo3vx3sZ2T0K5oFy/AvUFu5r7
-----END PRIVATE KEY-----`;

const cert = `-----BEGIN CERTIFICATE-----
MIIBnzCCAUSgAwIBAgIUVDTpCpSMZJC0I0MddPZA4OGBYUwwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKaG9va3MudGVzdDAgFw0yNjEyMDYxNjQwMjFaGA8yMTI2MTEx
MjE2NDAyMVowFTETMBEGA1UEAwwKaG9va3MudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABN4RtPTMoqr7VuASujup6I8+Kj7jLgzLgSTDDRDbQ1n0GfiSDxvi
A5QhdAfvClije/HexnZPQrmgXL8C9QW7mvujcDBuMB0GA1UdDgQWBBQTrtAGijxS
IYeySX/4VpnaJD+BxTAfBgNVHSMEGDAWgBQTrtAGijxSIYeySX/4VpnaJD+BxTAP
BgNVHRMBAf8EBTADAQH/MBsGA1UdEQQUMBKCCmhvb2tzLnRlc3SHBH8AAAEwCgYI
KoZIzj0EAwIDSQAwRgIhAKAYqHdfZbzk40E7mqMikI+HDJpSyS832O2usjtkLPKv
AiEAoawTi7OXzpxbb5i793RuDaobA+no1JYpvydIGNFD4AI=
-----END CERTIFICATE-----`;

let server: Server;
let port = 0;
const seen: string[] = [];

before(async () => {
    server = createServer({ key, cert }, (req, res) => {
        seen.push(req.url ?? '');
        res.writeHead(200);
        res.end('{"result":"continue"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
});

after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('deliver over https', () => {
    it('an untrusted certificate is a network error, retried, and no request is sent', async () => {
        const lookup = scriptedLookup({ 'hooks.test': [['127.0.0.1']] });
        const answer = await deliver(attemptTo(`https://hooks.test:${port}/hook`), { policy: policyOf(false, '127.0.0.1/32'), lookup, timeoutMs: 2_000 });
        expect(answer.kind).to.equal('retry');
        expect((answer as { reason: string }).reason).to.startWith('network error: DEPTH_ZERO_SELF_SIGNED_CERT');
        expect(JSON.stringify(answer)).to.not.contain(secret);
        expect(lookup.calls).to.equal(['hooks.test']);
        expect(seen).to.equal([]);
    });

    it('a name resolving to loopback is refused before the handshake', async () => {
        const lookup = scriptedLookup({ 'hooks.test': [['127.0.0.1']] });
        const answer = await deliver(attemptTo(`https://hooks.test:${port}/hook`), { policy: policyOf(false), lookup });
        expect(answer).to.equal({ kind: 'refused', reason: 'host hooks.test resolves to 127.0.0.1, a loopback address' });
        expect(seen).to.equal([]);
    });
});
