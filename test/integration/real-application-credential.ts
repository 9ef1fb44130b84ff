// The service account as an application credential against a real Keystone
// and Nova (../shared/real-openstack up, OS_AUTH_URL set): the service user
// makes one in its project, and the plugin's session, token validator and
// Nova client use it. Without OS_AUTH_URL every test is reported skipped.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { type ServiceAccount, serviceAccountFromEnv } from '../../adapters/keystone/service-account';
import { KeystoneSession } from '../../adapters/keystone/session';
import { KeystoneTokenValidator } from '../../adapters/keystone/token-validator';
import { NovaCompute } from '../../adapters/nova/compute';
import { ComputeError } from '../../core/model/server';
import { projectsOf } from '../support/octavia-project';
import { customerOf, passwordAccount, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;

describe(titled('real OpenStack: the service account as an application credential'), { skip }, () => {

    let owner: KeystoneSession;
    let ownerId = '';
    let credential = { id: '', secret: '', projectId: '' };
    let account: ServiceAccount;
    let otherProject = '';

    before(async () => {
        const password = passwordAccount();
        owner = new KeystoneSession(password);
        const token = await owner.token();
        ownerId = token.userId;
        const res = await request(`${password.authUrl}/users/${ownerId}/application_credentials`, {
            method: 'POST', headers: { 'x-auth-token': token.value, 'content-type': 'application/json' },
            body: JSON.stringify({ application_credential: { name: `nova-autoscale-test-${randomUUID().slice(0, 8)}` } })
        });
        const body = await res.body.json() as { application_credential: { id: string; secret: string; project_id: string } };
        expect(res.statusCode, JSON.stringify(body)).to.equal(201);
        credential = { id: body.application_credential.id, secret: body.application_credential.secret, projectId: body.application_credential.project_id };
        expect(credential.projectId).to.equal(token.projectId ?? '');

        // As an operator's environment gives it: no user, no project.
        account = serviceAccountFromEnv({
            OS_AUTH_URL: password.authUrl, OS_AUTH_TYPE: 'v3applicationcredential', OS_APPLICATION_CREDENTIAL_ID: credential.id,
            OS_APPLICATION_CREDENTIAL_SECRET: credential.secret, ...(password.regionName === undefined ? {} : { OS_REGION_NAME: password.regionName })
        }) as ServiceAccount;
        const projects = await projectsOf(password);
        otherProject = projects.get(env.REAL_OS_OTHER_PROJECT ?? 'tenant-b') ?? '';
        expect(otherProject, 'the other project').to.not.be.empty();
    });

    after(async () => {
        if (credential.id !== '') {
            const token = await owner.token();
            const res = await request(`${owner.authUrl}/users/${ownerId}/application_credentials/${credential.id}`, { method: 'DELETE', headers: { 'x-auth-token': token.value } });
            await res.body.dump();
        }
    });

    it('gets a token of the credential\'s project, and validates a customer\'s token with it', async (flags: Lab.script.Flags) => {
        const session = new KeystoneSession(account);
        const token = await session.token();
        expect(token.projectId).to.equal(credential.projectId);
        const customer = await customerOf(account.authUrl);
        const info = await new KeystoneTokenValidator(session).validate(customer.token);
        expect(info?.projectId).to.equal(customer.projectId);
        flags.note(`credential ${credential.id}: project ${token.projectId}, roles [${token.roles.join(', ')}]`);
    });

    it('lists Nova in its own project, and is unauthorized in another without asking Keystone for a scope', async () => {
        const compute = new NovaCompute(account);
        const servers = await compute.listServers({ projectId: credential.projectId, region: null });
        expect(Array.isArray(servers)).to.be.true();
        const err = await expect(compute.listServers({ projectId: otherProject, region: null })).to.reject(ComputeError);
        expect((err as ComputeError).kind).to.equal('unauthorized');
        expect(err.message).to.contain(`cannot act in project ${otherProject}`);
    });

    it('is refused a scope by Keystone, as the simulator refuses it', async () => {
        const res = await request(`${account.authUrl}/auth/tokens`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
                auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } }, scope: { project: { id: otherProject } } }
            })
        });
        const body = await res.body.json() as { error: { message: string } };
        expect([res.statusCode, body.error.message]).to.equal([401, 'Error authenticating with application credential: Application credentials cannot request a scope.']);
    });

    it('cannot rescope its token, as the simulator cannot', async (flags: Lab.script.Flags) => {
        const token = await new KeystoneSession(account).token();
        const res = await request(`${account.authUrl}/auth/tokens`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token.value } }, scope: { project: { id: otherProject } } } })
        });
        const body = await res.body.json() as { error: { message: string } };
        flags.note(`rescope: ${res.statusCode} ${body.error.message}`);
        expect([res.statusCode, body.error.message]).to.equal([403, 'You are not authorized to perform the requested action: Using a delegated token to create another token is not allowed..']);
    });
});
