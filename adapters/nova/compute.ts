// The compute port over Nova's API: the service account scoped to the group's
// tenant project by id, the compute endpoint from that token's catalog, a
// pinned microversion on every call, a deadline on every call, and every
// failure as a ComputeError (contract §2).
import type { Dispatcher } from 'undici';
import type { Clock } from '../../core/ports/clock';
import { type Compute, type ComputeScope } from '../../core/ports/compute';
import { ComputeError, type NovaServer } from '../../core/model/server';
import { novaError } from './errors';
import { type NovaAnswer, nova, novaCall, type NovaCall } from './http';
import { identityFailure, jsonCall, markerOf, readOrFail, serviceClientBase, type ServiceClientOptions } from '../http/service-call';
import { type CallObserver, meterOf } from '../http/meter';
import { ProjectSessions } from '../keystone/project-sessions';
import { parseCreateAnswer, parseServerAnswer, parseServerPage } from './server-body';
import type { ServiceAccount } from '../keystone/service-account';

export interface NovaTimeouts {
    readonly createMs: number;
    readonly listPageMs: number;           // each page of a listing
    readonly showMs: number;
    readonly deleteMs: number;
}

export interface NovaComputeOptions extends ServiceClientOptions {
    // 2.37 is the least that takes networks "none" / "auto" (contract §2).
    readonly microversion?: string;
    readonly pageSize?: number;            // servers per listing page (Nova caps it at its max_limit, 1000 by default)
    readonly timeouts?: Partial<NovaTimeouts>;
}

export const DEFAULT_MICROVERSION = '2.37';
export const MIN_MICROVERSION_MINOR = 37;
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_TIMEOUTS: NovaTimeouts = { createMs: 30_000, listPageMs: 60_000, showMs: 30_000, deleteMs: 30_000 };

type Method = NovaCall['method'];

const SERVER_ROUTE = '/servers/{server_id}';

export class NovaCompute implements Compute {
    readonly microversion: string;
    readonly pageSize: number;
    readonly timeouts: NovaTimeouts;
    readonly sessions: ProjectSessions;
    readonly userAgent: string;
    private readonly clock: Clock;
    private readonly dispatcher: Dispatcher | undefined;
    private readonly observe: CallObserver | undefined;

    constructor(account: ServiceAccount, options: NovaComputeOptions = {}) {
        this.microversion = checkMicroversion(options.microversion ?? DEFAULT_MICROVERSION);
        ({ pageSize: this.pageSize, clock: this.clock, dispatcher: this.dispatcher, sessions: this.sessions, userAgent: this.userAgent, observe: this.observe } =
            serviceClientBase(account, options, DEFAULT_PAGE_SIZE));
        this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    }

    async createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }> {
        const what = 'POST /servers';
        const answer = await this.exchange(scope, 'POST', '/servers', '/servers', this.timeouts.createMs, { server });
        this.expectSuccess(answer, what);
        return { id: readOrFail(nova, answer, () => parseCreateAnswer(answer.json, what)) };
    }

    async listServers(scope: ComputeScope): Promise<readonly NovaServer[]> {
        const all: NovaServer[] = [];
        const seenMarkers = new Set<string>();
        let marker: string | null = null;
        for (;;) {
            const query = new URLSearchParams({ limit: String(this.pageSize) });
            if (marker !== null) {
                query.set('marker', marker);
            }

            const path = `/servers/detail?${query.toString()}`;
            const what = `GET ${path}`;
            const answer = await this.exchange(scope, 'GET', path, '/servers/detail', this.timeouts.listPageMs);
            this.expectSuccess(answer, what);
            const page = readOrFail(nova, answer, () => parseServerPage(answer.json, what));
            all.push(...page.servers);
            if (page.next === null) {
                return all;
            }

            // Paged by marker against the catalog's endpoint, not the href's
            // host: Nova behind a proxy often writes its links with the wrong one.
            const last = page.servers[page.servers.length - 1];
            const next = markerOf(page.next) ?? last?.id ?? null;
            if (next === null || seenMarkers.has(next)) {
                throw new ComputeError('server_error', `Nova's listing does not advance (${what} links to marker ${next ?? 'none'} again)`, answer.statusCode);
            }

            seenMarkers.add(next);
            marker = next;
        }
    }

    async showServer(scope: ComputeScope, serverId: string): Promise<NovaServer | null> {
        const path = `/servers/${encodeURIComponent(serverId)}`;
        const what = `GET ${path}`;
        const answer = await this.exchange(scope, 'GET', path, SERVER_ROUTE, this.timeouts.showMs);
        if (answer.statusCode === 404) {
            return null;
        }

        this.expectSuccess(answer, what);
        return readOrFail(nova, answer, () => parseServerAnswer(answer.json, what));
    }

    async deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'> {
        const path = `/servers/${encodeURIComponent(serverId)}`;
        const answer = await this.exchange(scope, 'DELETE', path, SERVER_ROUTE, this.timeouts.deleteMs);
        if (answer.statusCode === 404) {
            return 'gone';
        }

        this.expectSuccess(answer, `DELETE ${path}`);
        return 'deleting';
    }

    // From the project token's catalog: one Keystone call at most while the token lasts.
    async endpoint(scope: ComputeScope): Promise<string> {
        try {
            return await this.computeUrl(scope);
        }
        catch (err) {
            throw identityFailure(nova, err);
        }
    }

    // One call as the project's service token; a 401 re-authenticates once
    // (KeystoneSession.withToken), and a second 401 is 'unauthorized'.
    // `route`: the path's template, for the meter.
    private async exchange(scope: ComputeScope, method: Method, path: string, route: string, timeoutMs: number, body?: unknown): Promise<NovaAnswer> {
        const session = this.sessions.for(scope.projectId);
        try {
            const base = await this.computeUrl(scope);
            const meter = meterOf(this.observe, 'compute', session.account.regionName, scope);
            return await session.withToken((token) => novaCall(jsonCall({
                method, url: `${base}${path}`, token, timeoutMs, what: `${method} ${path}`, route, body, dispatcher: this.dispatcher, userAgent: this.userAgent, meter,
                headers: { 'openstack-api-version': `compute ${this.microversion}` }
            })));
        }
        catch (err) {
            throw identityFailure(nova, err);
        }
    }

    // The scope's region, else the account's, and the account's interface (contract §2).
    private computeUrl(scope: ComputeScope): Promise<string> {
        const session = this.sessions.for(scope.projectId);
        const region = scope.region ?? session.account.regionName;
        return session.endpoint('compute', region === undefined ? {} : { region });
    }

    private expectSuccess(answer: NovaAnswer, what: string): void {
        if (answer.statusCode < 200 || answer.statusCode >= 300) {
            throw novaError(answer, what, this.clock.now().getTime());
        }
    }
}

export const checkMicroversion = (version: string): string => {
    const m = /^2\.(\d+)$/.exec(version);
    if (m === null || Number(m[1]) < MIN_MICROVERSION_MINOR) {
        throw new RangeError(`microversion must be 2.${MIN_MICROVERSION_MINOR} or later (as "2.N"), got "${version}"`);
    }

    return version;
};
