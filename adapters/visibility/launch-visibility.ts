// LaunchVisibility over OpenStack: each thing a launch configuration names is
// looked up with the customer's own token (Glance for images, Nova for
// flavors, Neutron for networks and security groups), at the endpoints of the
// service account's catalog. Found is seen; 404 or 403 is not; a service the
// catalog lacks is not asked (contract §3).
import type { Dispatcher } from 'undici';
import { DomainError } from '../../core/model/errors';
import type { TenantId } from '../../core/model/ids';
import type { LaunchReference, LaunchReferenceKind } from '../../core/model/launch-references';
import type { CustomerToken, LaunchVisibility } from '../../core/ports/launch-visibility';
import { DeadlinePassed, exchange, type Answer } from '../http/exchange';
import type { KeystoneSession } from '../keystone/session';
import { TokenCache, tokenKey } from '../keystone/token-cache';

export interface OpenStackLaunchVisibilityOptions {
    readonly timeoutMs?: number;           // per lookup; default 5 s, the writer is waiting
    readonly dispatcher?: Dispatcher;
    readonly seenForMs?: number;           // how long a thing seen stays seen for that token; default 30 s
}

export const DEFAULT_LOOKUP_TIMEOUT_MS = 5_000;
export const DEFAULT_SEEN_FOR_MS = 30_000;
const SEEN_ENTRIES = 10_000;

interface Service {
    readonly type: string;                 // catalog service type
    readonly name: string;                 // for messages
    readonly version: string;              // API version the paths are under, appended unless the catalog URL has it
}

const GLANCE: Service = { type: 'image', name: 'Glance', version: 'v2' };
const NOVA: Service = { type: 'compute', name: 'Nova', version: '' };
const NEUTRON: Service = { type: 'network', name: 'Neutron', version: 'v2.0' };

const serviceOf: Record<LaunchReferenceKind, Service> = { image: GLANCE, flavor: NOVA, network: NEUTRON, security_group: NEUTRON };

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

// The catalog may list an endpoint with its version or without it.
export const versioned = (base: string, version: string): string =>
    version === '' || new RegExp(`/${version.replace('.', '\\.')}$`).test(base) ? base : `${base}/${version}`;

export class OpenStackLaunchVisibility implements LaunchVisibility {
    private readonly timeoutMs: number;
    private readonly dispatcher: Dispatcher | undefined;
    private readonly seenForMs: number;
    // What a token saw lately: a customer writing many groups of one image and
    // flavor asks once. Only what was seen is kept (a refusal is asked again),
    // and not for long: a share withdrawn shows within seenForMs.
    private readonly seenLately = new TokenCache<true>(SEEN_ENTRIES);

    constructor(private readonly session: KeystoneSession, options: OpenStackLaunchVisibilityOptions = {}) {
        this.timeoutMs = options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
        this.dispatcher = options.dispatcher ?? session.dispatcher;
        this.seenForMs = options.seenForMs ?? DEFAULT_SEEN_FOR_MS;
    }

    async unseen(token: CustomerToken, tenantId: TenantId, refs: readonly LaunchReference[]): Promise<readonly LaunchReference[]> {
        // The same thing named twice (an image and a disk from it) is asked once.
        const asked = new Map<string, Promise<boolean>>();
        const seen = await Promise.all(refs.map((ref) => {
            const key = `${ref.kind}\u0000${ref.id}`;
            let answer = asked.get(key);
            if (answer === undefined) {
                answer = this.seen(token, tenantId, ref);
                asked.set(key, answer);
            }

            return answer;
        }));
        return refs.filter((_ref, i) => !seen[i]);
    }

    private async seen(token: CustomerToken, tenantId: TenantId, ref: LaunchReference): Promise<boolean> {
        const key = `${tokenKey(token)}\u0000${tenantId}\u0000${ref.kind}\u0000${ref.id}`;
        const now = this.session.clock.now().getTime();
        if (this.seenLately.get(key, now) === true) {
            return true;
        }

        const seen = await this.lookUp(token, tenantId, ref);
        if (seen) {
            this.seenLately.set(key, true, now + this.seenForMs);
        }

        return seen;
    }

    private async lookUp(token: CustomerToken, tenantId: TenantId, ref: LaunchReference): Promise<boolean> {
        const service = serviceOf[ref.kind];
        const endpoint = await this.session.findEndpoint(service.type);
        if (endpoint === null) {
            return true;
        }

        const base = versioned(endpoint, service.version);
        const id = encodeURIComponent(ref.id);
        switch (ref.kind) {
            case 'image':
                return this.found(service, `${base}/images/${id}`, token);
            case 'flavor':
                return this.found(service, `${base}/flavors/${id}`, token);
            case 'network':
                return this.found(service, `${base}/networks/${id}`, token);
            case 'security_group': {
                // Nova takes a security group by name or id, within the server's project.
                const query = new URLSearchParams({ name: ref.id, project_id: tenantId, fields: 'id' });
                const byName = await this.get(service, `${base}/security-groups?${query.toString()}`, token);
                if (byName.statusCode === 200 && listed(byName.json, 'security_groups')) {
                    return true;
                }

                return UUID.test(ref.id) && this.found(service, `${base}/security-groups/${id}`, token);
            }
        }
    }

    private async found(service: Service, url: string, token: CustomerToken): Promise<boolean> {
        return (await this.get(service, url, token)).statusCode === 200;
    }

    // 200, 403 and 404 are answers about the thing; anything else is about the service.
    private async get(service: Service, url: string, token: CustomerToken): Promise<Answer> {
        let answer: Answer;
        try {
            answer = await exchange({
                method: 'GET',
                url,
                headers: { accept: 'application/json', 'x-auth-token': token },
                timeoutMs: this.timeoutMs,
                ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher })
            });
        }
        catch (err) {
            const why = err instanceof DeadlinePassed ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
            throw unavailable(service, `${service.name} could not be asked whether the project can see what the launch configuration names: ${why}`);
        }

        switch (answer.statusCode) {
            case 200:
            case 403:
            case 404:
                return answer;
            case 401:
                throw new DomainError('unauthorized', 'UnauthorizedError', `${service.name} refused the X-Auth-Token`);
            default:
                throw unavailable(service, `${service.name} answered ${answer.statusCode} when asked whether the project can see what the launch configuration names`);
        }
    }
}

const unavailable = (service: Service, message: string): DomainError =>
    new DomainError('unavailable', 'ServiceUnavailableError', message, { service: service.type });

const listed = (json: unknown, key: string): boolean => {
    if (typeof json !== 'object' || json === null || !(key in json)) {
        return false;
    }

    const list: unknown = (json as Record<string, unknown>)[key];
    return Array.isArray(list) && list.length > 0;
};
