// The PUT-time check of a webhook URL: scheme, credentials, and every address
// its host stands for, with a resolver the test controls.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DomainError } from '../../core/model/errors';
import { strictPolicy } from '../../adapters/workflow-webhook/address-policy';
import { checkWebhookUrl, type UrlCheck, urlRefusal } from '../../adapters/workflow-webhook/url-check';
import { policyOf, scriptedLookup } from './fixtures';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const httpPolicy = policyOf(true);

const failed = (check: UrlCheck): Extract<UrlCheck, { ok: false }> => {
    expect(check.ok).to.be.false();
    return check as Extract<UrlCheck, { ok: false }>;
};

describe('checkWebhookUrl', () => {
    it('takes an https URL whose name resolves only to public addresses', async () => {
        const lookup = scriptedLookup({ 'hooks.example.com': [['93.184.216.34', '2606:2800:220:1::1']] });
        const check = await checkWebhookUrl('https://hooks.example.com/autoscale?x=1', strictPolicy, lookup);
        expect(check.ok).to.be.true();
        expect((check as { url: URL }).url.href).to.equal('https://hooks.example.com/autoscale?x=1');
        expect(lookup.calls).to.equal(['hooks.example.com']);
    });

    it('checks every resolved address: one private among public ones refuses the URL', async () => {
        const lookup = scriptedLookup({ 'mixed.example.com': [['93.184.216.34', '10.0.0.7']] });
        const check = failed(await checkWebhookUrl('https://mixed.example.com/', strictPolicy, lookup));
        expect(check).to.equal({ ok: false, kind: 'refused', reason: 'host mixed.example.com resolves to 10.0.0.7, a private address' });
    });

    it('refuses a resolver answer that is not an address at all', async () => {
        const lookup = scriptedLookup({ 'odd.example.com': [['not-an-ip']] });
        expect(failed(await checkWebhookUrl('https://odd.example.com/', strictPolicy, lookup)).reason).to.contain('not an IP address');
    });

    it('a name that does not resolve, or resolves to nothing, is unresolved', async () => {
        const lookup = scriptedLookup({ 'empty.example.com': [[]] });
        expect(await checkWebhookUrl('https://nowhere.example.com/', strictPolicy, lookup))
            .to.equal({ ok: false, kind: 'unresolved', reason: 'host nowhere.example.com does not resolve (ENOTFOUND)' });
        expect(await checkWebhookUrl('https://empty.example.com/', strictPolicy, lookup))
            .to.equal({ ok: false, kind: 'unresolved', reason: 'host empty.example.com does not resolve' });
        const codeless = Object.assign(async () => {
            throw new Error('resolver down');
        }, {});
        expect(await checkWebhookUrl('https://any.example.com/', strictPolicy, codeless))
            .to.equal({ ok: false, kind: 'unresolved', reason: 'host any.example.com does not resolve' });
    });

    it('refuses http unless the operator allows it', async () => {
        const lookup = scriptedLookup({ 'hooks.example.com': [['93.184.216.34']] });
        expect(failed(await checkWebhookUrl('http://hooks.example.com/', strictPolicy, lookup)))
            .to.equal({ ok: false, kind: 'refused', reason: 'must use https: http is not allowed here' });
        expect(lookup.calls).to.equal([]);
        expect((await checkWebhookUrl('http://hooks.example.com/', httpPolicy, lookup)).ok).to.be.true();
    });

    it('refuses other schemes, credentials and what is not a URL, without a lookup', async () => {
        const lookup = scriptedLookup({ 'hooks.example.com': [['93.184.216.34']] });
        const cases: readonly [string, string][] = [
            ['ftp://hooks.example.com/', 'must use https'],
            ['file:///etc/passwd', 'must use https'],
            ['hooks.example.com/path', 'is not a URL'],
            ['https://user:pw@hooks.example.com/', 'must not carry a user name or password'],
            ['https://user@hooks.example.com/', 'must not carry a user name or password'],
            ['https://:pw@hooks.example.com/', 'must not carry a user name or password']
        ];
        for (const [url, reason] of cases) {
            const check = failed(await checkWebhookUrl(url, httpPolicy, lookup));
            expect(check.kind, url).to.equal('invalid');
            expect(check.reason, url).to.equal(reason);
        }

        expect(lookup.calls).to.equal([]);
    });

    it('judges a literal address as the URL parser normalises it (decimal, hex, mapped)', async () => {
        const lookup = scriptedLookup({});
        for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:0:0:1]/']) {
            const check = failed(await checkWebhookUrl(url, httpPolicy, lookup));
            expect(check.kind, url).to.equal('refused');
            expect(check.reason, url).to.contain('loopback');
        }

        expect(lookup.calls).to.equal([]);
    });

    it('takes a public literal address, or a forbidden one inside allowCidrs, without a lookup', async () => {
        const lookup = scriptedLookup({});
        expect((await checkWebhookUrl('https://93.184.216.34/hook', strictPolicy, lookup)).ok).to.be.true();
        expect((await checkWebhookUrl('https://[2606:2800:220:1::1]/hook', strictPolicy, lookup)).ok).to.be.true();
        expect((await checkWebhookUrl('https://10.1.2.3/hook', policyOf(false, '10.1.0.0/16'), lookup)).ok).to.be.true();
        expect(failed(await checkWebhookUrl('https://10.2.0.1/hook', policyOf(false, '10.1.0.0/16'), lookup)).reason)
            .to.equal('host 10.2.0.1 is a private address');
        expect(lookup.calls).to.equal([]);
    });

    it('refuses localhost and *.localhost without asking the resolver', async () => {
        const lookup = scriptedLookup({ localhost: [['93.184.216.34']], 'api.localhost': [['93.184.216.34']], 'localhost.': [['93.184.216.34']] });
        for (const host of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost']) {
            const check = failed(await checkWebhookUrl(`http://${host}:8080/`, httpPolicy, lookup));
            expect(check.reason, host).to.contain('loopback name');
        }

        expect(lookup.calls).to.equal([]);
        // Not a suffix match on the text alone: notlocalhost is an ordinary name.
        expect(failed(await checkWebhookUrl('http://notlocalhost/', httpPolicy, lookup)).kind).to.equal('unresolved');
    });

    it('with loopback allowed, localhost is resolved and each address checked like any name', async () => {
        const lookup = scriptedLookup({ localhost: [['127.0.0.1', '::1']] });
        expect((await checkWebhookUrl('http://localhost/', policyOf(true, '127.0.0.0/8', '::1/128'), lookup)).ok).to.be.true();
        // Only the IPv4 loopback allowed: the name's ::1 still refuses it.
        expect(failed(await checkWebhookUrl('http://localhost/', policyOf(true, '127.0.0.1/32'), lookup)).reason)
            .to.equal('host localhost resolves to ::1, a loopback address');
    });

    it('uses the system resolver when none is given', async () => {
        // localhost resolves locally, without a network.
        const check = await checkWebhookUrl('http://localhost:1/', policyOf(true, '127.0.0.0/8', '::1/128'));
        expect(check.ok).to.be.true();
        expect(failed(await checkWebhookUrl('http://localhost:1/', policyOf(true))).reason).to.contain('loopback name');
    });
});

describe('urlRefusal', () => {
    it('is the 400 naming url', async () => {
        const check = failed(await checkWebhookUrl('https://169.254.169.254/latest/meta-data', strictPolicy, scriptedLookup({})));
        const error = urlRefusal(check);
        expect(error).to.be.an.instanceof(DomainError);
        expect(error.kind).to.equal('bad_request');
        expect(error.type).to.equal('ValidationError');
        expect(error.details).to.equal({ field: 'url' });
        expect(error.message).to.equal('url host 169.254.169.254 is a link-local address');
        expect(urlRefusal(check, 'workflow.url').details).to.equal({ field: 'workflow.url' });
    });
});
