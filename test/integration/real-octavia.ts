// OctaviaClient against a real Octavia, when OS_AUTH_URL says where one is (for
// example `source ~/.cache/real-openstack/run/openrc-autoscale.sh`, which also
// sets PROVIDER_SUBNET_ID). Without it, every test is reported skipped.
//
// As the service account in its project (tenant-a): a load balancer on
// PROVIDER_SUBNET_ID, a listener and a pool made here with plain HTTP, then
// the member's life through the client. In the other project (tenant-b,
// REAL_OS_OTHER_PROJECT): a load balancer and a pool the client must refuse
// to touch from tenant-a. Everything is cascade-deleted in after().
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { randomInt, randomUUID } from 'node:crypto';
import { type PasswordAccount } from '../../adapters/keystone/service-account';
import { OctaviaClient } from '../../adapters/octavia/client';
import type { LoadBalancerScope, PoolMember } from '../../core/ports/load-balancers';
import { LoadBalancerError } from '../../core/model/load-balancer';
import { field, Project, projectsOf, sleep } from '../support/octavia-project';
import { passwordAccount, skip, titled } from '../support/real-openstack';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const env = process.env;

// Without OS_AUTH_URL every test here is reported skipped (lab's skip option,
// with the reason in the title): skipped, never counted as passed.

describe(titled('real Octavia'), { skip }, () => {

    let account: PasswordAccount;
    let ours: Project;
    let theirs: Project;
    let client: OctaviaClient;
    let scope: LoadBalancerScope;
    let subnetId: string;
    const made: { project: Project; lb: string }[] = [];
    let mine = { lb: '', pool: '' };
    let other = { lb: '', pool: '' };
    const address = `10.20.${randomInt(200, 250)}.${randomInt(2, 250)}`;
    let memberId = '';

    before({ timeout: 240_000 }, async () => {
        account = passwordAccount();
        expect(account).to.not.be.null();
        subnetId = env.PROVIDER_SUBNET_ID ?? '';
        expect(subnetId, 'PROVIDER_SUBNET_ID').to.not.be.empty();
        const projects = await projectsOf(account);
        const tenantA = account.projectId ?? projects.get(account.projectName ?? '') ?? '';
        const tenantB = projects.get(env.REAL_OS_OTHER_PROJECT ?? 'tenant-b') ?? '';
        expect(tenantA, 'the service account\'s project').to.not.be.empty();
        expect(tenantB, 'the other project').to.not.be.empty();

        ours = await Project.of(account, tenantA);
        theirs = await Project.of(account, tenantB);
        client = new OctaviaClient(account);
        scope = { projectId: tenantA, region: account.regionName ?? null };

        mine = await ours.loadBalancer(subnetId, true);
        made.push({ project: ours, lb: mine.lb });
        other = await theirs.loadBalancer(subnetId, false);
        made.push({ project: theirs, lb: other.lb });
    });

    after({ timeout: 240_000 }, async () => {
        for (const { project, lb } of made) {
            const deleted = await project.change('DELETE', `/lbaas/loadbalancers/${lb}?cascade=true`);
            expect([204, 404], deleted.text).to.include(deleted.statusCode);
            await project.until(`/lbaas/loadbalancers/${lb}`, 'loadbalancer', null);
        }
    });

    // Poll showMember until `want` (null: gone), the statuses it went through.
    const watch = async (poolId: string, id: string, want: string | null): Promise<{ seen: string[]; last: PoolMember | null }> => {
        const seen: string[] = [];
        const until = Date.now() + 90_000;
        for (;;) {
            const last = await client.showMember(scope, poolId, id);
            const status = last === null ? 'gone' : last.provisioningStatus;
            if (seen[seen.length - 1] !== status) {
                seen.push(status);
            }

            if (status === (want ?? 'gone') || Date.now() > until) {
                expect(status, seen.join(' → ')).to.equal(want ?? 'gone');
                return { seen, last };
            }

            await sleep(100);
        }
    };

    // What the workflow will do with 'busy': ask again until Octavia takes it.
    const throughBusy = async <T>(call: () => Promise<T>): Promise<{ value: T; busy: LoadBalancerError[] }> => {
        const busy: LoadBalancerError[] = [];
        for (;;) {
            try {
                return { value: await call(), busy };
            }
            catch (err) {
                if (!(err instanceof LoadBalancerError) || err.kind !== 'busy' || busy.length > 200) {
                    throw err;
                }

                busy.push(err);
                await sleep(250);
            }
        }
    };

    it('poolsOf answers the load balancer\'s pool; one that does not exist is load_balancer_gone', async (flags: Lab.script.Flags) => {
        expect(await client.poolsOf(scope, mine.lb)).to.equal([mine.pool]);
        const gone = await expect(client.poolsOf(scope, randomUUID())).to.reject(LoadBalancerError);
        expect([gone.kind, gone.status]).to.equal(['load_balancer_gone', 404]);
        flags.note(`load balancer ${mine.lb}, pool ${mine.pool}; unknown id: ${gone.status} "${gone.message}"`);
    });

    it('creates a member that goes ACTIVE, finds it again by address, port and name, and refuses a duplicate', { timeout: 120_000 }, async (flags: Lab.script.Flags) => {
        const name = `it-as${randomUUID().slice(0, 8)}`;
        const started = Date.now();
        const created = await throughBusy(() => client.createMember(scope, mine.pool, { address, protocolPort: 80, name, subnetId, weight: 1 }));
        memberId = created.value.id;
        const { seen, last } = await watch(mine.pool, memberId, 'ACTIVE');
        expect(last).to.include({ id: memberId, name, address, protocolPort: 80, subnetId, weight: 1, projectId: scope.projectId });
        flags.note(`member ${memberId}: ${seen.join(' → ')} in ${Date.now() - started} ms; operating_status ${last?.operatingStatus}`);

        const listed = await client.listMembers(scope, mine.pool);
        expect(listed.filter((m) => m.address === address && m.protocolPort === 80 && m.name === name).map((m) => m.id)).to.equal([memberId]);

        const duplicate = await expect(throughBusy(() => client.createMember(scope, mine.pool, { address, protocolPort: 80, name: 'again' }))).to.reject(LoadBalancerError);
        expect([duplicate.kind, duplicate.status]).to.equal(['refused', 409]);
        expect(duplicate.message).to.contain('already using ip');
        flags.note(`duplicate: ${duplicate.status} "${duplicate.message}"`);
    });

    it('a create right after another change meets the load balancer PENDING_UPDATE: busy (409 immutable), then goes through', { timeout: 120_000 }, async (flags: Lab.script.Flags) => {
        expect((await throughBusy(() => client.setWeight(scope, mine.pool, memberId, 3))).value).to.equal('updated');
        const second = await throughBusy(() => client.createMember(scope, mine.pool, { address, protocolPort: 8080, name: `it-as${randomUUID().slice(0, 8)}`, subnetId }));
        for (const err of second.busy) {
            expect([err.kind, err.status]).to.equal(['busy', 409]);
            expect(err.message).to.match(/immutable/);
        }

        flags.note(second.busy.length === 0
            ? 'the create right after the weight change did not meet a 409 (the worker was quicker)'
            : `${second.busy.length} busy answer(s) before the create went through: ${second.busy[0]?.status} "${second.busy[0]?.message}"`);
        await watch(mine.pool, second.value.id, 'ACTIVE');
        expect((await watch(mine.pool, memberId, 'ACTIVE')).last?.weight).to.equal(3);
        expect(await throughBusy(() => client.deleteMember(scope, mine.pool, second.value.id))).to.include({ value: 'deleting' });
        await watch(mine.pool, second.value.id, null);
    });

    it('drains (weight 0), deletes, and then answers gone', { timeout: 120_000 }, async (flags: Lab.script.Flags) => {
        const weighed = await throughBusy(() => client.setWeight(scope, mine.pool, memberId, 0));
        expect(weighed.value).to.equal('updated');
        const drained = await watch(mine.pool, memberId, 'ACTIVE');
        expect(drained.last?.weight).to.equal(0);

        const deleted = await throughBusy(() => client.deleteMember(scope, mine.pool, memberId));
        expect(deleted.value).to.equal('deleting');
        const gone = await watch(mine.pool, memberId, null);
        expect(await client.deleteMember(scope, mine.pool, memberId)).to.equal('gone');
        expect(await client.setWeight(scope, mine.pool, memberId, 0)).to.equal('gone');
        expect(await client.listMembers(scope, mine.pool)).to.equal([]);
        flags.note(`weight 0: ${drained.seen.join(' → ')}; delete: ${gone.seen.join(' → ')}; busy answers on the way: ${weighed.busy.length + deleted.busy.length}`);
    });

    it('refuses another project\'s pool and load balancer, sending nothing to them, and a pool that does not exist', async (flags: Lab.script.Flags) => {
        const pool = await expect(client.createMember(scope, other.pool, { address, protocolPort: 80, name: 'intruder', subnetId })).to.reject(LoadBalancerError);
        expect(pool.kind).to.equal('pool_gone');
        const lb = await expect(client.poolsOf(scope, other.lb)).to.reject(LoadBalancerError);
        expect(lb.kind).to.equal('load_balancer_gone');
        expect(await client.listMembers(scope, other.pool)).to.equal([]);
        const members = await theirs.call('GET', `/lbaas/pools/${other.pool}/members`);
        expect(field(members.json, 'members')).to.equal([]);

        const missing = await expect(client.createMember(scope, randomUUID(), { address, protocolPort: 80, name: 'x' })).to.reject(LoadBalancerError);
        expect([missing.kind, missing.status]).to.equal(['pool_gone', 404]);
        flags.note(`other project's pool: "${pool.message}"; its load balancer: "${lb.message}"; unknown pool: ${missing.status} "${missing.message}"`);
    });
});
