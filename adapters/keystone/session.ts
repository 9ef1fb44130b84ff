// The service account's own Keystone token: a password or an application
// credential, renewed before it expires, one auth request in flight at a
// time, and a retry after a 401.
import type { Dispatcher } from 'undici';
import { DomainError } from '../../core/model/errors';
import { type Clock, systemClock } from '../../core/ports/clock';
import { type Catalog, pickEndpoint } from './catalog';
import { headerOf, identityUnavailable, type KeystoneAnswer, keystoneCall, keystoneMessage } from './http';
import { parseTokenBody } from './token-body';
import type { ApplicationCredentialAccount, EndpointInterface, PasswordAccount, ServiceAccount } from './service-account';
import { tlsDispatcher } from './tls';
import { type CallObserver, type Meter, meterOf } from '../http/meter';

export interface ServiceToken {
    readonly value: string;
    readonly userId: string;
    readonly userName: string;
    readonly projectId: string | null;
    readonly roles: readonly string[];
    readonly expiresAt: Date;              // Keystone's clock
    readonly catalog: Catalog;
}

export interface KeystoneSessionOptions {
    readonly clock?: Clock;
    readonly timeoutMs?: number;           // per HTTP call; default 10 s
    readonly dispatcher?: Dispatcher;
    readonly observe?: CallObserver;       // told of each call to Keystone (the metrics, the log)
}

// Where the account's calls to Keystone go.
export const TOKENS_ROUTE = '/auth/tokens';

export const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_MARGIN_MS = 60_000;
// After a failed renewal the old token is still used while it has this much left.
const LAST_RESORT_MS = 5_000;

interface Held {
    readonly token: ServiceToken;
    readonly renewAt: number;              // local clock, ms
    readonly expiresAt: number;            // local clock, ms
}

export class KeystoneSession {
    readonly clock: Clock;
    readonly timeoutMs: number;
    readonly dispatcher: Dispatcher | undefined;
    // Told of each call this session makes to Keystone, the validations of customers' tokens too.
    readonly meter: Meter | undefined;
    private held: Held | null = null;
    private inFlight: Promise<ServiceToken> | null = null;

    constructor(readonly account: ServiceAccount, options: KeystoneSessionOptions = {}) {
        this.clock = options.clock ?? systemClock;
        this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        this.dispatcher = options.dispatcher ?? tlsDispatcher(account.tls);
        // An application credential names no project: its token says which.
        this.meter = meterOf(options.observe, 'identity', account.regionName, { projectId: account.kind === 'application_credential' ? null : account.projectId ?? null });
    }

    get authUrl(): string {
        return this.account.authUrl;
    }

    // A token with time to spare, authenticating when there is none.
    async token(): Promise<ServiceToken> {
        const held = this.held;
        if (held !== null && this.clock.now().getTime() < held.renewAt) {
            return held.token;
        }

        try {
            return await this.authenticate();
        }
        catch (err) {
            // Keystone down during an early renewal: the token held still works.
            const current = this.held;
            if (current !== null && this.clock.now().getTime() < current.expiresAt - LAST_RESORT_MS) {
                return current.token;
            }

            throw err;
        }
    }

    // Forget `stale` (only if it is still the one held: another caller may have renewed already).
    invalidate(stale: string): void {
        if (this.held?.token.value === stale) {
            this.held = null;
        }
    }

    // Runs fn with the token; when fn's answer is 401, authenticates again once
    // and runs fn once more. The second answer is returned whatever it is.
    async withToken<T extends { readonly statusCode: number }>(fn: (token: string) => Promise<T>): Promise<T> {
        const first = await this.token();
        const answer = await fn(first.value);
        if (answer.statusCode !== 401) {
            return answer;
        }

        await discardBody(answer);
        this.invalidate(first.value);
        const second = await this.token();
        return fn(second.value);
    }

    // The URL of a service from the catalog; region and interface default to the account's.
    async endpoint(serviceType: string, options: { region?: string; interface?: EndpointInterface } = {}): Promise<string> {
        const url = await this.findEndpoint(serviceType, options);
        if (url === null) {
            const region = options.region ?? this.account.regionName;
            const iface = options.interface ?? this.account.interface;
            throw new DomainError('unavailable', 'EndpointNotFound',
                `No ${serviceType} endpoint (interface ${iface}, region ${region ?? 'any'}) in the service account's catalog`,
                { serviceType, interface: iface, region: region ?? null });
        }

        return url;
    }

    // The same, null when the catalog has no such service.
    async findEndpoint(serviceType: string, options: { region?: string; interface?: EndpointInterface } = {}): Promise<string | null> {
        const { catalog } = await this.token();
        const region = options.region ?? this.account.regionName;
        return pickEndpoint(catalog, { serviceType, interface: options.interface ?? this.account.interface, ...(region === undefined ? {} : { region }) });
    }

    private authenticate(): Promise<ServiceToken> {
        if (this.inFlight === null) {
            this.inFlight = this.requestToken().finally(() => {
                this.inFlight = null;
            });
        }

        return this.inFlight;
    }

    private async requestToken(): Promise<ServiceToken> {
        const startedAt = this.clock.now().getTime();
        const answer = await keystoneCall({
            method: 'POST',
            url: `${this.account.authUrl}${TOKENS_ROUTE}`,
            route: TOKENS_ROUTE,
            meter: this.meter,
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify(authBody(this.account)),
            timeoutMs: this.timeoutMs,
            ...(this.dispatcher === undefined ? {} : { dispatcher: this.dispatcher })
        });
        const token = this.tokenFrom(answer);

        // Lifetime by Keystone's own two stamps, so a skewed local clock does not matter.
        const keystoneNow = token.issuedAt?.getTime() ?? startedAt;
        const lifetime = Math.max(0, token.expiresAt.getTime() - keystoneNow);
        const margin = Math.min(Math.max(MIN_MARGIN_MS, lifetime / 10), lifetime / 2);
        this.held = { token: token.service, expiresAt: startedAt + lifetime, renewAt: startedAt + lifetime - margin };
        return token.service;
    }

    private tokenFrom(answer: KeystoneAnswer): { service: ServiceToken; issuedAt: Date | null; expiresAt: Date } {
        const where = `POST ${this.account.authUrl}/auth/tokens`;
        if (answer.statusCode === 401) {
            throw new DomainError('unavailable', 'ServiceCredentialsRejected',
                `Keystone rejected the service account's credentials (${describeAccount(this.account)}; 401 on ${where}): ${whatToCheck(this.account)}`,
                { status: 401 });
        }

        if (answer.statusCode !== 200 && answer.statusCode !== 201) {
            throw identityUnavailable(`Keystone answered ${answer.statusCode} to ${where}: ${keystoneMessage(answer)}`, { status: answer.statusCode });
        }

        const value = headerOf(answer, 'x-subject-token');
        const body = parseTokenBody(answer.json);
        if (value === undefined || value === '' || typeof body === 'string') {
            throw identityUnavailable(`Keystone's answer to ${where} is not a token: ${typeof body === 'string' ? body : 'no X-Subject-Token header'}`);
        }

        const { issuedAt, expiresAt, ...info } = body;
        return { service: { value, ...info, expiresAt }, issuedAt, expiresAt };
    }
}

export const authBody = (account: ServiceAccount): unknown =>
    account.kind === 'application_credential' ? applicationCredentialAuthBody(account) : passwordAuthBody(account);

const domain = (id: string | undefined, name: string | undefined): { id: string } | { name: string } =>
    id !== undefined ? { id } : { name: name ?? 'Default' };

const userRef = (account: ServiceAccount): { id: string } | { name: string | undefined; domain: { id: string } | { name: string } } =>
    account.userId !== undefined ? { id: account.userId } : { name: account.username, domain: domain(account.userDomainId, account.userDomainName) };

// Exactly what Keystone v3 wants; no scope at all means the user's default project.
export const passwordAuthBody = (account: PasswordAccount): unknown => {
    const scope = account.projectId !== undefined
        ? { project: { id: account.projectId } }
        : account.projectName !== undefined
            ? { project: { name: account.projectName, domain: domain(account.projectDomainId, account.projectDomainName) } }
            : undefined;

    return {
        auth: {
            identity: { methods: ['password'], password: { user: { ...userRef(account), password: account.password } } },
            ...(scope === undefined ? {} : { scope })
        }
    };
};

// Never a scope: the token is the credential's project's, and Keystone refuses one.
export const applicationCredentialAuthBody = (account: ApplicationCredentialAccount): unknown => {
    const credential = account.applicationCredentialId !== undefined
        ? { id: account.applicationCredentialId, secret: account.secret }
        : { name: account.applicationCredentialName, user: userRef(account), secret: account.secret };
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
};

const describeUser = (account: ServiceAccount): string =>
    account.userId !== undefined ? `user id ${account.userId}` : `user ${account.username}`;

const describeAccount = (account: ServiceAccount): string => {
    if (account.kind !== 'application_credential') {
        return describeUser(account);
    }

    return account.applicationCredentialId !== undefined
        ? `application credential ${account.applicationCredentialId}`
        : `application credential ${account.applicationCredentialName} of ${describeUser(account)}`;
};

const whatToCheck = (account: ServiceAccount): string =>
    account.kind === 'application_credential'
        ? 'check OS_APPLICATION_CREDENTIAL_ID (or _NAME and the user) and OS_APPLICATION_CREDENTIAL_SECRET; the credential may have expired or been deleted'
        : 'check OS_USERNAME, OS_PASSWORD, the domains and the project';

// An unread undici body holds its connection: drop it before retrying.
const discardBody = async (answer: object): Promise<void> => {
    const body: unknown = 'body' in answer ? answer.body : undefined;
    if (typeof body === 'object' && body !== null && 'dump' in body && typeof body.dump === 'function') {
        await (body.dump as () => Promise<void>).call(body);
    }
};
