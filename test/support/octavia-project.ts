// Plain HTTP to a real Octavia as one project's service token, for the
// integration tests: what a customer (or a test's setup) does, outside the
// code under test. Load balancers made here are the test's to delete.
import * as Code from '@hapi/code';
import { randomUUID } from 'node:crypto';
import { exchange, type Answer } from '../../adapters/http/exchange';
import { scopedToProject } from '../../adapters/keystone/project-sessions';
import { KeystoneSession } from '../../adapters/keystone/session';
import type { PasswordAccount, ServiceAccount } from '../../adapters/keystone/service-account';
import { isRecord } from '../../core/model/json';

const { expect } = Code;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const field = (json: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((value, key) => (isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined), json);

// Plain HTTP to Octavia as one project's service token: what a customer (or
// the test's setup) does, outside the client under test.
export class Project {
    private constructor(readonly id: string, readonly session: KeystoneSession, readonly base: string) {}

    static async of(account: PasswordAccount, projectId: string): Promise<Project> {
        const session = new KeystoneSession(scopedToProject(account, projectId));
        const url = await session.endpoint('load-balancer');
        return new Project(projectId, session, /\/v2(\.\d+)?$/.test(url) ? url : `${url}/v2`);
    }

    async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
        const { value } = await this.session.token();
        return exchange({
            method, url: `${this.base}${path}`, timeoutMs: 30_000,
            headers: { accept: 'application/json', 'x-auth-token': value, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) })
        });
    }

    // A change below a load balancer meets 409 while it is PENDING_*: wait it out, as the workflow will.
    async change(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
        const until = Date.now() + 90_000;
        for (;;) {
            const answer = await this.call(method, path, body);
            if (answer.statusCode !== 409 || Date.now() > until) {
                return answer;
            }

            await sleep(300);
        }
    }

    // The provisioning statuses seen until `want` (or a 404 when want is null).
    async until(path: string, key: string, want: string | null): Promise<string[]> {
        const seen: string[] = [];
        const until = Date.now() + 90_000;
        for (;;) {
            const answer = await this.call('GET', path);
            const status = answer.statusCode === 404 ? '404' : String(field(answer.json, key, 'provisioning_status'));
            if (seen[seen.length - 1] !== status) {
                seen.push(status);
            }

            if (status === (want ?? '404') || Date.now() > until) {
                expect(status, `${path}: ${seen.join(' → ')}`).to.equal(want ?? '404');
                return seen;
            }

            await sleep(250);
        }
    }

    // A load balancer on the subnet with a pool (and a listener when asked), all ACTIVE.
    async loadBalancer(subnetId: string, withListener: boolean): Promise<{ lb: string; pool: string }> {
        const name = `autoscale-it-${randomUUID().slice(0, 8)}`;
        const created = await this.call('POST', '/lbaas/loadbalancers', { loadbalancer: { name, vip_subnet_id: subnetId } });
        expect(created.statusCode, created.text).to.equal(201);
        const lb = String(field(created.json, 'loadbalancer', 'id'));
        await this.until(`/lbaas/loadbalancers/${lb}`, 'loadbalancer', 'ACTIVE');
        let parent: Record<string, string> = { loadbalancer_id: lb };
        if (withListener) {
            const listener = await this.change('POST', '/lbaas/listeners', { listener: { name, loadbalancer_id: lb, protocol: 'HTTP', protocol_port: 80 } });
            expect(listener.statusCode, listener.text).to.equal(201);
            parent = { listener_id: String(field(listener.json, 'listener', 'id')) };
            await this.until(`/lbaas/loadbalancers/${lb}`, 'loadbalancer', 'ACTIVE');
        }

        const pool = await this.change('POST', '/lbaas/pools', { pool: { name, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', ...parent } });
        expect(pool.statusCode, pool.text).to.equal(201);
        await this.until(`/lbaas/loadbalancers/${lb}`, 'loadbalancer', 'ACTIVE');
        return { lb, pool: String(field(pool.json, 'pool', 'id')) };
    }
}

// The project ids the service account holds a role on, by name.
export const projectsOf = async (account: ServiceAccount): Promise<Map<string, string>> => {
    const { value } = await new KeystoneSession(account).token();
    const answer = await exchange({ method: 'GET', url: `${account.authUrl}/auth/projects`, headers: { accept: 'application/json', 'x-auth-token': value }, timeoutMs: 30_000 });
    expect(answer.statusCode, answer.text).to.equal(200);
    const projects = field(answer.json, 'projects') as { id: string; name: string }[];
    return new Map(projects.map((p) => [p.name, p.id]));
};

