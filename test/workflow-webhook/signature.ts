// X-Autoscale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { sign, verify } from '../../adapters/workflow-webhook/signature';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const t = 1_700_000_000;
const body = '{"a":1}';

describe('sign', () => {
    it('matches a vector computed outside Node (openssl dgst -sha256 -hmac s3cret)', () => {
        expect(sign('s3cret', t, body)).to.equal('t=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940');
        expect(sign('s3cret', t, Buffer.from(body))).to.equal(sign('s3cret', t, body));
    });

    it('never carries the secret', () => {
        expect(sign('s3cret-abcdef', t, body)).to.not.contain('s3cret');
    });
});

describe('verify', () => {
    const header = sign('s3cret', t, body);

    it('takes the signature over the same raw body with the same secret', () => {
        expect(verify(header, 's3cret', body, t)).to.be.true();
        expect(verify(header, 's3cret', Buffer.from(body), t + 300)).to.be.true();
        expect(verify(header.replace('v1=', ' v1='), 's3cret', body, t)).to.be.true();
    });

    it('refuses a tampered body, even one that parses to the same JSON', () => {
        expect(verify(header, 's3cret', '{"a":2}', t)).to.be.false();
        expect(verify(header, 's3cret', '{ "a": 1 }', t)).to.be.false();
    });

    it('refuses a wrong secret', () => {
        expect(verify(header, 's3cret2', body, t)).to.be.false();
        expect(verify(header, '', body, t)).to.be.false();
    });

    it('refuses a timestamp older than 5 minutes, or as far ahead', () => {
        expect(verify(header, 's3cret', body, t + 301)).to.be.false();
        expect(verify(header, 's3cret', body, t - 301)).to.be.false();
        expect(verify(header, 's3cret', body, t + 60, 30)).to.be.false();
    });

    it('refuses a t changed without the MAC: the time is signed', () => {
        expect(verify(header.replace(`t=${t}`, `t=${t + 1}`), 's3cret', body, t)).to.be.false();
    });

    it('takes any one matching v1 among several', () => {
        const rotated = `${header},v1=${'0'.repeat(64)}`;
        expect(verify(rotated, 's3cret', body, t)).to.be.true();
        expect(verify(`t=${t},v1=${'0'.repeat(64)},${header.split(',')[1]}`, 's3cret', body, t)).to.be.true();
    });

    it('refuses malformed headers', () => {
        const v1 = header.split(',')[1];
        for (const bad of ['', v1, `t=${t}`, `t,${v1}`, `t=abc,${v1}`, `t=${t},t=${t},${v1}`, `t=${t},v1`, `t=${t},v1=zz`, `t=${t},v1=${'a'.repeat(63)}`, `t=${t}.5,${v1}`]) {
            expect(verify(bad, 's3cret', body, t), bad).to.be.false();
        }
    });
});
