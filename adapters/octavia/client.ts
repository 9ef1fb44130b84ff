// Octavia v2 load-balancer members as the built-in workflow needs them
// (contract §7): the service account scoped to the group's tenant project by
// id, the load-balancer endpoint from that token's catalog, a deadline on
// every call, and every failure as a LoadBalancerError.
//
// A service account with `admin` sees and may change every project's load
// balancers in Octavia, so a pool or load balancer is only used once Octavia
// says it belongs to the scope's project: a tenant naming another tenant's
// pool meets the same refusal as a pool that does not exist.
import type { Dispatcher } from 'undici';
import { LoadBalancerError } from '../../core/model/load-balancer';
import type { Clock } from '../../core/ports/clock';
import { ProjectSessions } from '../keystone/project-sessions';
import type { ServiceAccount } from '../keystone/service-account';
import { parseLoadBalancer, parseMemberAnswer, parseMemberPage, parsePool, parseSubnet } from './body';
import { type NotFoundKind, octaviaError, octaviaMessage } from './errors';
import { octavia, type OctaviaAnswer, octaviaCall, type OctaviaCall } from './http';
import { identityFailure, jsonCall, markerOf, readOrFail, serviceClientBase, type ServiceClientOptions } from '../http/service-call';
import { type CallObserver, meterOf, type ServiceType } from '../http/meter';
import type { LoadBalancerMembers, LoadBalancerScope, MemberSpec, PoolMember } from '../../core/ports/load-balancers';

export interface OctaviaTimeouts {
    readonly createMs: number;
    readonly showMs: number;               // a member, a pool or a load balancer
    readonly updateMs: number;
    readonly deleteMs: number;
    readonly listPageMs: number;           // each page of a member listing
}

export interface OctaviaClientOptions extends ServiceClientOptions {
    readonly pageSize?: number;            // members per listing page (Octavia caps it at pagination_max_limit, 1000 by default)
    readonly timeouts?: Partial<OctaviaTimeouts>;
}

export const SERVICE_TYPE: ServiceType = 'load-balancer';
// Neutron, for the subnet a member names (its CIDR says which address is the server's there).
export const NETWORK_SERVICE_TYPE: ServiceType = 'network';
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_TIMEOUTS: OctaviaTimeouts = { createMs: 30_000, showMs: 30_000, updateMs: 30_000, deleteMs: 30_000, listPageMs: 60_000 };

type Method = OctaviaCall['method'];

export class OctaviaClient implements LoadBalancerMembers {
    readonly pageSize: number;
    readonly timeouts: OctaviaTimeouts;
    readonly sessions: ProjectSessions;
    readonly userAgent: string;
    private readonly clock: Clock;
    private readonly dispatcher: Dispatcher | undefined;
    private readonly observe: CallObserver | undefined;

    constructor(account: ServiceAccount, options: OctaviaClientOptions = {}) {
        ({ pageSize: this.pageSize, clock: this.clock, dispatcher: this.dispatcher, sessions: this.sessions, userAgent: this.userAgent, observe: this.observe } =
            serviceClientBase(account, options, DEFAULT_PAGE_SIZE));
        this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    }

    // The load balancer's own answer lists its pools: one call, a 404 when it
    // does not exist, and its project to check (a filtered pool listing would
    // answer 200 [] for all three, and its next links drop the filter).
    async poolsOf(scope: LoadBalancerScope, loadBalancerId: string): Promise<readonly string[]> {
        const path = `/lbaas/loadbalancers/${encodeURIComponent(loadBalancerId)}`;
        const answer = await this.call(scope, 'GET', path, ROUTES.loadBalancer, this.timeouts.showMs, 'load_balancer_gone');
        const lb = readOrFail(octavia, answer, () => parseLoadBalancer(answer.json, `GET ${path}`));
        if (lb.projectId !== scope.projectId) {
            throw new LoadBalancerError('load_balancer_gone', `Load balancer ${loadBalancerId} is not in project ${scope.projectId}`);
        }

        return lb.poolIds;
    }

    // The pool's project is checked first: the member is created in whatever
    // project owns the pool, and another tenant's pool is never touched.
    async createMember(scope: LoadBalancerScope, poolId: string, member: MemberSpec, poolChecked = false): Promise<{ readonly id: string }> {
        if (!poolChecked) {
            await this.checkPool(scope, poolId);
        }

        const path = `${poolPath(poolId)}/members`;
        const body = {
            member: {
                address: member.address,
                protocol_port: member.protocolPort,
                name: member.name,
                ...(member.subnetId === undefined ? {} : { subnet_id: member.subnetId }),
                ...(member.weight === undefined ? {} : { weight: member.weight })
            }
        };
        const answer = await this.exchange(scope, 'POST', path, ROUTES.members, this.timeouts.createMs, body);
        if (answer.statusCode === 404 && /^Subnet\b/i.test(octaviaMessage(answer) ?? '')) {
            // The pool was there: a subnet_id Neutron does not know is our request refused.
            throw octaviaError(answer, `POST ${path}`, this.nowMs(), 'refused');
        }

        this.expectSuccess(answer, `POST ${path}`, 'pool_gone');
        return { id: readOrFail(octavia, answer, () => parseMemberAnswer(answer.json, `POST ${path}`)).id };
    }

    async showMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<PoolMember | null> {
        const path = memberPath(poolId, memberId);
        const answer = await this.exchange(scope, 'GET', path, ROUTES.member, this.timeouts.showMs);
        if (answer.statusCode === 404) {
            return null;
        }

        this.expectSuccess(answer, `GET ${path}`, 'pool_gone');
        return readOrFail(octavia, answer, () => parseMemberAnswer(answer.json, `GET ${path}`));
    }

    // Paged by marker on the catalog's endpoint, not the link's host (Octavia
    // writes its links from its own idea of its URL). An admin sees every
    // project's members: only the scope's own are returned.
    async listMembers(scope: LoadBalancerScope, poolId: string): Promise<readonly PoolMember[]> {
        const all: PoolMember[] = [];
        const seenMarkers = new Set<string>();
        let marker: string | null = null;
        for (;;) {
            const query = new URLSearchParams({ limit: String(this.pageSize) });
            if (marker !== null) {
                query.set('marker', marker);
            }

            const path = `${poolPath(poolId)}/members?${query.toString()}`;
            const answer = await this.call(scope, 'GET', path, ROUTES.members, this.timeouts.listPageMs, 'pool_gone');
            const page = readOrFail(octavia, answer, () => parseMemberPage(answer.json, `GET ${path}`));
            all.push(...page.members.filter((m) => m.projectId === scope.projectId));
            // Octavia links a next page whenever a page is full, so the last one may be empty.
            const last = page.members[page.members.length - 1];
            if (page.next === null || last === undefined) {
                return all;
            }

            const next = markerOf(page.next) ?? last.id;
            if (seenMarkers.has(next)) {
                throw new LoadBalancerError('server_error', `Octavia's member listing does not advance (GET ${path} links to marker ${next} again)`, answer.statusCode);
            }

            seenMarkers.add(next);
            marker = next;
        }
    }

    async setWeight(scope: LoadBalancerScope, poolId: string, memberId: string, weight: number): Promise<'updated' | 'gone'> {
        const path = memberPath(poolId, memberId);
        const answer = await this.exchange(scope, 'PUT', path, ROUTES.member, this.timeouts.updateMs, { member: { weight } });
        if (answer.statusCode === 404) {
            return 'gone';
        }

        this.expectSuccess(answer, `PUT ${path}`, 'pool_gone');
        return 'updated';
    }

    async deleteMember(scope: LoadBalancerScope, poolId: string, memberId: string): Promise<'deleting' | 'gone'> {
        const path = memberPath(poolId, memberId);
        const answer = await this.exchange(scope, 'DELETE', path, ROUTES.member, this.timeouts.deleteMs);
        if (answer.statusCode === 404) {
            return 'gone';
        }

        this.expectSuccess(answer, `DELETE ${path}`, 'pool_gone');
        return 'deleting';
    }

    // Neutron answers for what the project sees: another project's private subnet is a 404 as one that does not exist.
    async subnetCidr(scope: LoadBalancerScope, subnetId: string): Promise<string | null> {
        const path = `/subnets/${encodeURIComponent(subnetId)}`;
        const answer = await this.exchange(scope, 'GET', path, ROUTES.subnet, this.timeouts.showMs, undefined, NETWORK_SERVICE_TYPE);
        if (answer.statusCode === 404) {
            return null;
        }

        this.expectSuccess(answer, `GET ${path}`, 'refused');
        return readOrFail(octavia, answer, () => parseSubnet(answer.json, `GET ${path}`)).cidr;
    }

    async checkPool(scope: LoadBalancerScope, poolId: string): Promise<void> {
        const path = poolPath(poolId);
        const answer = await this.call(scope, 'GET', path, ROUTES.pool, this.timeouts.showMs, 'pool_gone');
        const pool = readOrFail(octavia, answer, () => parsePool(answer.json, `GET ${path}`));
        if (pool.projectId !== scope.projectId) {
            throw new LoadBalancerError('pool_gone', `Pool ${poolId} is not in project ${scope.projectId}`);
        }
    }

    // An exchange whose only good answer is a 2xx.
    private async call(scope: LoadBalancerScope, method: Method, path: string, route: string, timeoutMs: number, notFound: NotFoundKind): Promise<OctaviaAnswer> {
        const answer = await this.exchange(scope, method, path, route, timeoutMs);
        this.expectSuccess(answer, `${method} ${path}`, notFound);
        return answer;
    }

    // One call as the project's service token; a 401 re-authenticates once
    // (KeystoneSession.withToken), and a second 401 is 'unauthorized'.
    // `route`: the path's template, for the meter.
    private async exchange(scope: LoadBalancerScope, method: Method, path: string, route: string, timeoutMs: number, body?: unknown, service: ServiceType = SERVICE_TYPE): Promise<OctaviaAnswer> {
        const session = this.sessions.for(scope.projectId);
        try {
            const base = await this.apiUrl(scope, service);
            const meter = meterOf(this.observe, service, session.account.regionName, scope);
            return await session.withToken((token) => octaviaCall(jsonCall({
                method, url: `${base}${path}`, token, timeoutMs, what: `${method} ${path}`, route, body, dispatcher: this.dispatcher, userAgent: this.userAgent, meter
            })));
        }
        catch (err) {
            throw identityFailure(octavia, err);
        }
    }

    // The catalog's URL with the API version: catalogs list Octavia's root
    // (http://host:9876, or https://host/load-balancer), a few the /v2 itself;
    // Neutron's likewise, with /v2.0.
    private async apiUrl(scope: LoadBalancerScope, service: string): Promise<string> {
        const session = this.sessions.for(scope.projectId);
        const region = scope.region ?? session.account.regionName;
        const url = await session.endpoint(service, region === undefined ? {} : { region });
        const version = service === SERVICE_TYPE ? '/v2' : '/v2.0';
        return /\/v2(\.\d+)?$/.test(url) ? url : `${url}${version}`;
    }

    private expectSuccess(answer: OctaviaAnswer, what: string, notFound: NotFoundKind): void {
        if (Math.floor(answer.statusCode / 100) !== 2) {
            throw octaviaError(answer, what, this.nowMs(), notFound);
        }
    }

    private nowMs(): number {
        return this.clock.now().getTime();
    }
}

// The paths' templates, for the meter.
const ROUTES = {
    loadBalancer: '/lbaas/loadbalancers/{loadbalancer_id}',
    pool: '/lbaas/pools/{pool_id}',
    members: '/lbaas/pools/{pool_id}/members',
    member: '/lbaas/pools/{pool_id}/members/{member_id}',
    subnet: '/subnets/{subnet_id}'
} as const;

const poolPath = (poolId: string): string => `/lbaas/pools/${encodeURIComponent(poolId)}`;
const memberPath = (poolId: string, memberId: string): string => `${poolPath(poolId)}/members/${encodeURIComponent(memberId)}`;

