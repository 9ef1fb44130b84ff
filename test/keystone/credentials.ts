// The service account as an application credential, and the TLS settings
// (OS_CACERT, OS_INSECURE), as openrc files and clouds.yaml give them.
import * as Fs from 'node:fs';
import * as Path from 'node:path';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { serviceAccountFromEnv, ServiceAccountError } from '../../adapters/keystone/service-account';
import { ALLOW_INSECURE, tlsDispatcher } from '../../adapters/keystone/tls';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const CA_FILE = Path.join(__dirname, '..', 'fixtures', 'tls', 'ca.pem');
const CA = Fs.readFileSync(CA_FILE, 'utf8');

const CREDENTIAL = {
    OS_AUTH_URL: 'https://keystone.test:5000',
    OS_AUTH_TYPE: 'v3applicationcredential',
    OS_APPLICATION_CREDENTIAL_ID: 'ac-1',
    OS_APPLICATION_CREDENTIAL_SECRET: 'ac-secret'
};

const PASSWORD = { OS_AUTH_URL: 'https://keystone.test:5000/v3', OS_USERNAME: 'autoscale', OS_PASSWORD: 'secret' };

const files = (entries: Readonly<Record<string, string>>) => (path: string): string | null => entries[path] ?? null;
const noFiles = files({});

// The variables but one.
const without = (env: Readonly<Record<string, string>>, name: string): Record<string, string> =>
    Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));

const refusal = (env: Readonly<Record<string, string>>, read = noFiles): string => {
    const err = expect(() => serviceAccountFromEnv(env, read)).to.throw(ServiceAccountError);
    return (err as Error).message;
};

describe('the service account as an application credential', () => {

    it('reads the id and the secret, and no user or project at all', () => {
        expect(serviceAccountFromEnv(CREDENTIAL, noFiles)).to.equal({
            kind: 'application_credential',
            authUrl: 'https://keystone.test:5000/v3',
            applicationCredentialId: 'ac-1',
            secret: 'ac-secret',
            userDomainName: 'Default',
            interface: 'public'
        });
    });

    it('reads a name with the user who owns it', () => {
        const byName = without(CREDENTIAL, 'OS_APPLICATION_CREDENTIAL_ID');
        expect(serviceAccountFromEnv({ ...byName, OS_APPLICATION_CREDENTIAL_NAME: 'autoscaler', OS_USERNAME: 'svc', OS_USER_DOMAIN_NAME: 'Ops', OS_REGION_NAME: 'RegionTwo' }, noFiles)).to.equal({
            kind: 'application_credential',
            authUrl: 'https://keystone.test:5000/v3',
            applicationCredentialName: 'autoscaler',
            secret: 'ac-secret',
            username: 'svc',
            userDomainName: 'Ops',
            regionName: 'RegionTwo',
            interface: 'public'
        });
    });

    it('refuses a project setting beside it, which Keystone would answer with 401 on every token', () => {
        expect(refusal({ ...CREDENTIAL, OS_PROJECT_NAME: 'services' })).to.equal(
            'OS_PROJECT_NAME (project_name in clouds.yaml) cannot be used with an application credential: its project is the one it was created in, and Keystone refuses every other scope (unset it)');
        expect(refusal({ ...CREDENTIAL, OS_PROJECT_DOMAIN_ID: 'default' })).to.contain('OS_PROJECT_DOMAIN_ID');
    });

    it('names what is missing or mixed', () => {
        const noSecret = without(CREDENTIAL, 'OS_APPLICATION_CREDENTIAL_SECRET');
        expect(refusal(noSecret)).to.equal('OS_APPLICATION_CREDENTIAL_SECRET is required with OS_AUTH_TYPE=v3applicationcredential');
        const noId = without(CREDENTIAL, 'OS_APPLICATION_CREDENTIAL_ID');
        expect(refusal(noId)).to.contain('OS_APPLICATION_CREDENTIAL_ID (or OS_APPLICATION_CREDENTIAL_NAME with OS_USERNAME or OS_USER_ID) is required');
        expect(refusal({ ...noId, OS_APPLICATION_CREDENTIAL_NAME: 'autoscaler' })).to.contain('OS_APPLICATION_CREDENTIAL_NAME names a credential of a user');
        expect(refusal({ ...CREDENTIAL, OS_PASSWORD: 'secret' })).to.contain('OS_PASSWORD (password in clouds.yaml) is set with OS_AUTH_TYPE=v3applicationcredential');
        // A credential's variables without the auth type would otherwise fall back to a password quietly.
        expect(refusal({ ...PASSWORD, OS_APPLICATION_CREDENTIAL_SECRET: 'x' })).to.equal(
            'OS_APPLICATION_CREDENTIAL_SECRET is set but OS_AUTH_TYPE is not v3applicationcredential: set it to authenticate with the application credential');
    });

    it('reads auth_type and the credential from clouds.yaml, secure.yaml holding the secret', () => {
        const read = files({
            '/etc/clouds.yaml': [
                'clouds:',
                '  prod:',
                '    auth_type: v3applicationcredential',
                '    auth:',
                '      auth_url: https://keystone.prod:5000/v3',
                '      application_credential_id: 9f1c',
                '    region_name: RegionOne',
                ''
            ].join('\n'),
            '/etc/secure.yaml': 'clouds:\n  prod:\n    auth:\n      application_credential_secret: from-secure\n'
        });
        expect(serviceAccountFromEnv({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: '/etc/clouds.yaml', OS_CLIENT_SECURE_FILE: '/etc/secure.yaml', HOME: '/nowhere' }, read)).to.equal({
            kind: 'application_credential',
            authUrl: 'https://keystone.prod:5000/v3',
            applicationCredentialId: '9f1c',
            secret: 'from-secure',
            userDomainName: 'Default',
            regionName: 'RegionOne',
            interface: 'public'
        });
    });
});

describe('TLS toward the cloud', () => {

    it('reads OS_CACERT once, at start, and keeps the certificate', () => {
        const account = serviceAccountFromEnv({ ...PASSWORD, OS_CACERT: '/etc/ssl/cloud-ca.pem' }, files({ '/etc/ssl/cloud-ca.pem': CA }));
        expect(account?.tls).to.equal({ ca: CA, caFile: '/etc/ssl/cloud-ca.pem' });
    });

    it('refuses a CA file that is not there or is no certificate', () => {
        expect(refusal({ ...PASSWORD, OS_CACERT: '/etc/ssl/missing.pem' })).to.equal('OS_CACERT: no file at /etc/ssl/missing.pem');
        expect(refusal({ ...PASSWORD, OS_CACERT: '/etc/ssl/notes.txt' }, files({ '/etc/ssl/notes.txt': 'not a certificate' }))).to.contain('OS_CACERT: /etc/ssl/notes.txt is not a PEM certificate');
    });

    it('refuses OS_INSECURE unless the operator allows it in so many words', () => {
        expect(refusal({ ...PASSWORD, OS_INSECURE: 'true' })).to.contain(`refused unless ${ALLOW_INSECURE}=true says it is meant`);
        expect(refusal({ ...PASSWORD, OS_INSECURE: 'true', [ALLOW_INSECURE]: 'no' })).to.contain('refused unless');
        expect(refusal({ ...PASSWORD, OS_INSECURE: 'maybe' })).to.equal('OS_INSECURE must be true or false (got "maybe")');
        expect(serviceAccountFromEnv({ ...PASSWORD, OS_INSECURE: 'true', [ALLOW_INSECURE]: 'true' }, noFiles)?.tls).to.equal({ insecure: true });
        expect(serviceAccountFromEnv({ ...PASSWORD, OS_INSECURE: 'false' }, noFiles)?.tls).to.be.undefined();
    });

    it('reads cacert and verify: false from clouds.yaml (the latter allowed only like OS_INSECURE)', () => {
        const read = files({
            '/etc/clouds.yaml': [
                'clouds:',
                '  prod:',
                '    auth: { auth_url: "https://keystone.prod:5000", username: svc, password: pw }',
                '    cacert: /etc/ssl/cloud-ca.pem',
                '  lab:',
                '    auth: { auth_url: "https://keystone.lab:5000", username: svc, password: pw }',
                '    verify: false',
                ''
            ].join('\n'),
            '/etc/ssl/cloud-ca.pem': CA
        });
        const env = { OS_CLIENT_CONFIG_FILE: '/etc/clouds.yaml', HOME: '/nowhere' };
        expect(serviceAccountFromEnv({ ...env, OS_CLOUD: 'prod' }, read)?.tls).to.equal({ ca: CA, caFile: '/etc/ssl/cloud-ca.pem' });
        expect(refusal({ ...env, OS_CLOUD: 'lab' }, read)).to.contain('verify: false in clouds.yaml');
        expect(serviceAccountFromEnv({ ...env, OS_CLOUD: 'lab', [ALLOW_INSECURE]: '1' }, read)?.tls).to.equal({ insecure: true });
    });

    it('makes one dispatcher per account TLS setting, and none without one', () => {
        const tls = { ca: CA };
        expect(tlsDispatcher(undefined)).to.be.undefined();
        expect(tlsDispatcher(tls)).to.shallow.equal(tlsDispatcher(tls));
        expect(tlsDispatcher(tls)).to.not.shallow.equal(tlsDispatcher({ ca: CA }));
    });
});
