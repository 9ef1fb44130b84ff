import * as Fs from 'node:fs';
import * as Os from 'node:os';
import * as Path from 'node:path';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { normaliseAuthUrl, type PasswordAccount, serviceAccountFromEnv, ServiceAccountError } from '../../adapters/keystone/service-account';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const BASE = {
    OS_AUTH_URL: 'http://keystone.test:5000/v3',
    OS_USERNAME: 'autoscale',
    OS_PASSWORD: 'secret'
};

// No file exists, unless the test says so.
const noFiles = (): null => null;

const thrown = (fn: () => unknown): Error => {
    const err = expect(fn).to.throw(ServiceAccountError);
    return err as Error;
};

describe('serviceAccountFromEnv', () => {

    describe('OS_* variables', () => {

        it('is null when neither OS_AUTH_URL nor OS_CLOUD is set (empty counts as unset)', () => {
            expect(serviceAccountFromEnv({}, noFiles)).to.be.null();
            expect(serviceAccountFromEnv({ OS_USERNAME: 'x', OS_PASSWORD: 'y', OS_AUTH_URL: '', OS_CLOUD: ' ' }, noFiles)).to.be.null();
        });

        it('fills the defaults: Default user domain, public interface, no project', () => {
            expect(serviceAccountFromEnv({ ...BASE, OS_AUTH_URL: 'http://keystone.test:5000' }, noFiles)).to.equal({
                authUrl: 'http://keystone.test:5000/v3',
                username: 'autoscale',
                password: 'secret',
                userDomainName: 'Default',
                interface: 'public'
            });
        });

        it('reads every field of an openrc file', () => {
            const account = serviceAccountFromEnv({
                ...BASE,
                OS_USER_DOMAIN_NAME: 'Ops',
                OS_PROJECT_NAME: 'services',
                OS_PROJECT_DOMAIN_ID: 'dom-9',
                OS_REGION_NAME: 'RegionOne',
                OS_INTERFACE: 'internal',
                OS_IDENTITY_API_VERSION: '3',
                OS_AUTH_TYPE: 'password'
            }, noFiles);
            expect(account).to.equal({
                authUrl: 'http://keystone.test:5000/v3',
                username: 'autoscale',
                password: 'secret',
                userDomainName: 'Ops',
                projectName: 'services',
                projectDomainId: 'dom-9',
                regionName: 'RegionOne',
                interface: 'internal'
            });
        });

        it('takes ids, legacy tenant names and endpoint types', () => {
            const account = serviceAccountFromEnv({
                OS_AUTH_URL: 'https://id.example/identity/',
                OS_USER_ID: 'u-1',
                OS_PASSWORD: 'p',
                OS_USER_DOMAIN_ID: 'dom-1',
                OS_TENANT_NAME: 'legacy',
                OS_ENDPOINT_TYPE: 'internalURL'
            }, noFiles);
            expect(account).to.equal({
                authUrl: 'https://id.example/identity/v3',
                userId: 'u-1',
                password: 'p',
                userDomainId: 'dom-1',
                projectName: 'legacy',
                projectDomainName: 'Default',
                interface: 'internal'
            });
        });

        it('names the missing field', () => {
            expect(thrown(() => serviceAccountFromEnv({ ...BASE, OS_PASSWORD: undefined }, noFiles)).message).to.equal('OS_PASSWORD is required');
            expect(thrown(() => serviceAccountFromEnv({ ...BASE, OS_USERNAME: '' }, noFiles)).message).to.equal('OS_USERNAME or OS_USER_ID is required');
        });

        it('refuses what it cannot use', () => {
            expect(thrown(() => serviceAccountFromEnv({ ...BASE, OS_INTERFACE: 'private' }, noFiles)).message).to.contain('OS_INTERFACE must be public, internal or admin');
            expect(thrown(() => serviceAccountFromEnv({ ...BASE, OS_AUTH_TYPE: 'v3token' }, noFiles)).message).to.equal('OS_AUTH_TYPE "v3token" is not supported: password (the default) or v3applicationcredential');
            expect(thrown(() => serviceAccountFromEnv({ ...BASE, OS_AUTH_URL: 'keystone:5000' }, noFiles)).message).to.contain('OS_AUTH_URL');
        });
    });

    describe('normaliseAuthUrl', () => {

        it('ends every form with /v3', () => {
            expect(normaliseAuthUrl('http://k:5000')).to.equal('http://k:5000/v3');
            expect(normaliseAuthUrl('http://k:5000/')).to.equal('http://k:5000/v3');
            expect(normaliseAuthUrl('http://k:5000/v3')).to.equal('http://k:5000/v3');
            expect(normaliseAuthUrl(' http://k:5000/v3/ ')).to.equal('http://k:5000/v3');
            expect(normaliseAuthUrl('http://k:5000/v2.0')).to.equal('http://k:5000/v3');
            expect(normaliseAuthUrl('https://k/identity')).to.equal('https://k/identity/v3');
        });

        it('refuses what is not an http URL', () => {
            expect(() => normaliseAuthUrl('not a url')).to.throw(ServiceAccountError, /not a URL/);
            expect(() => normaliseAuthUrl('ftp://k/v3')).to.throw(ServiceAccountError, /http or https/);
        });
    });

    describe('OS_CLOUD and clouds.yaml', () => {

        let dir = '';

        before(() => {
            dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), 'autoscale-clouds-'));
        });

        after(() => {
            Fs.rmSync(dir, { recursive: true, force: true });
        });

        const write = (relative: string, text: string): string => {
            const path = Path.join(dir, relative);
            Fs.mkdirSync(Path.dirname(path), { recursive: true });
            Fs.writeFileSync(path, text);
            return path;
        };

        const CLOUDS = [
            'clouds:',
            '  prod:',
            '    auth:',
            '      auth_url: http://keystone.prod:5000',
            '      username: autoscale',
            '      password: from-clouds',
            '      user_domain_name: Ops',
            '      project_id: 12345',
            '    region_name: RegionOne',
            '    interface: internal',
            '  other:',
            '    auth:',
            '      auth_url: http://keystone.other:5000/v3',
            '      username: someone',
            ''
        ].join('\n');

        it('reads the named cloud from OS_CLIENT_CONFIG_FILE, secure.yaml merged over it', () => {
            const clouds = write('explicit/clouds.yaml', CLOUDS);
            const secure = write('explicit/secure.yaml', 'clouds:\n  prod:\n    auth:\n      password: from-secure\n');
            const account = serviceAccountFromEnv({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: clouds, OS_CLIENT_SECURE_FILE: secure, HOME: dir });
            expect(account).to.equal({
                authUrl: 'http://keystone.prod:5000/v3',
                username: 'autoscale',
                password: 'from-secure',
                userDomainName: 'Ops',
                projectId: '12345',                 // YAML read it as a number
                regionName: 'RegionOne',
                interface: 'internal'
            });
        });

        it('finds ~/.config/openstack/clouds.yaml', () => {
            write('home/.config/openstack/clouds.yaml', CLOUDS);
            const account = serviceAccountFromEnv({ OS_CLOUD: 'prod', HOME: Path.join(dir, 'home') });
            expect((account as PasswordAccount | null)?.password).to.equal('from-clouds');
            expect(account?.authUrl).to.equal('http://keystone.prod:5000/v3');
        });

        it('lets OS_* variables override the file, a whole group at a time', () => {
            const clouds = write('override/clouds.yaml', CLOUDS);
            const account = serviceAccountFromEnv({
                OS_CLOUD: 'prod',
                OS_CLIENT_CONFIG_FILE: clouds,
                HOME: dir,
                OS_PROJECT_NAME: 'by-name',         // the file's project_id must not win over it
                OS_REGION_NAME: 'RegionTwo',
                OS_PASSWORD: 'from-env'
            });
            expect(account).to.equal({
                authUrl: 'http://keystone.prod:5000/v3',
                username: 'autoscale',
                password: 'from-env',
                userDomainName: 'Ops',
                projectName: 'by-name',
                projectDomainName: 'Default',
                regionName: 'RegionTwo',
                interface: 'internal'
            });
        });

        it('looks in ./, then ~/.config/openstack, then /etc/openstack, and takes the first found', () => {
            const seen: string[] = [];
            const files: Record<string, string> = {
                '/home/op/.config/openstack/clouds.yaml': CLOUDS.replace('from-clouds', 'from-home'),
                '/etc/openstack/clouds.yaml': CLOUDS.replace('from-clouds', 'from-etc')
            };
            const readFile = (path: string): string | null => {
                seen.push(path);
                return files[path] ?? null;
            };

            const account = serviceAccountFromEnv({ OS_CLOUD: 'prod', HOME: '/home/op' }, readFile);
            expect((account as PasswordAccount | null)?.password).to.equal('from-home');
            expect(seen.slice(0, 3)).to.equal([Path.join(process.cwd(), 'clouds.yaml'), Path.join(process.cwd(), 'clouds.yml'), '/home/op/.config/openstack/clouds.yaml']);
            expect(seen).to.not.include('/etc/openstack/clouds.yaml');
        });

        it('names the missing field and the cloud', () => {
            const clouds = write('missing/clouds.yaml', CLOUDS);
            const err = thrown(() => serviceAccountFromEnv({ OS_CLOUD: 'other', OS_CLIENT_CONFIG_FILE: clouds, HOME: dir }));
            expect(err.message).to.equal('OS_PASSWORD is required (or set it for cloud "other" in clouds.yaml)');
        });

        it('says which clouds exist when the named one does not', () => {
            const clouds = write('unknown/clouds.yaml', CLOUDS);
            const err = thrown(() => serviceAccountFromEnv({ OS_CLOUD: 'staging', OS_CLIENT_CONFIG_FILE: clouds, HOME: dir }));
            expect(err.message).to.contain('cloud "staging" is not in');
            expect(err.message).to.contain('prod, other');
        });

        it('says where it looked when there is no clouds.yaml', () => {
            const err = thrown(() => serviceAccountFromEnv({ OS_CLOUD: 'prod', HOME: '/nowhere' }, noFiles));
            expect(err.message).to.contain('no clouds.yaml was found');
            expect(err.message).to.contain('/nowhere/.config/openstack');
        });

        it('reports a file that is not YAML', () => {
            const clouds = write('broken/clouds.yaml', 'clouds: [unclosed');
            const err = thrown(() => serviceAccountFromEnv({ OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: clouds, HOME: dir }));
            expect(err.message).to.contain('is not valid YAML');
        });
    });
});
