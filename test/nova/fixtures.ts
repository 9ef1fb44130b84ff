// Shared by the test/nova scripts: a movable clock, Keystone-shaped answers,
// and nock switched on for a script and off again after it.
import nock from 'nock';
import type { Clock } from '../../core/ports/clock';
import type { PasswordAccount } from '../../adapters/keystone/service-account';

export const KEYSTONE = 'http://keystone.test:5000';
export const T0 = Date.parse('2030-01-01T00:00:00Z');

export class ManualClock implements Clock {
    constructor(private ms: number = T0) {}

    now(): Date {
        return new Date(this.ms);
    }

    advance(ms: number): void {
        this.ms += ms;
    }
}

export const account = (over: Partial<PasswordAccount> = {}): PasswordAccount => ({
    authUrl: `${KEYSTONE}/v3`,
    username: 'autoscale',
    password: 's3cret',
    userDomainName: 'Default',
    projectId: 'p-service',
    regionName: 'RegionOne',
    interface: 'public',
    ...over
});

// Keystone's own format: microseconds, Z.
export const keystoneTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export const CATALOG = [
    {
        type: 'identity', name: 'keystone', id: 's1',
        endpoints: [{ id: 'e1', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${KEYSTONE}/v3/` }]
    },
    {
        type: 'compute', name: 'nova', id: 's2',
        endpoints: [
            { id: 'e2', interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: 'http://nova-internal.test:8774/v2.1' },
            { id: 'e3', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://nova-one.test:8774/v2.1/' },
            { id: 'e4', interface: 'public', region: 'RegionTwo', region_id: 'RegionTwo', url: 'http://nova-two.test:8774/v2.1' }
        ]
    }
];

export interface TokenShape {
    readonly issuedAt?: number;
    readonly lifetimeMs?: number;
    readonly userId?: string;
    readonly userName?: string;
    readonly projectId?: string | null;
    readonly roles?: readonly string[];
    readonly catalog?: unknown[];
}

export const tokenBody = (shape: TokenShape = {}): { token: Record<string, unknown> } => {
    const issuedAt = shape.issuedAt ?? T0;
    const projectId = shape.projectId === undefined ? 'p-service' : shape.projectId;
    return {
        token: {
            methods: ['password'],
            user: { domain: { id: 'default', name: 'Default' }, id: shape.userId ?? 'u-autoscale', name: shape.userName ?? 'autoscale', password_expires_at: null },
            audit_ids: ['V2-AnMwaQgWNC6L3b6AJww'],
            issued_at: keystoneTime(issuedAt),
            expires_at: keystoneTime(issuedAt + (shape.lifetimeMs ?? 3_600_000)),
            ...(projectId === null ? {} : { project: { domain: { id: 'default', name: 'Default' }, id: projectId, name: `name-of-${projectId}` }, is_domain: false }),
            ...(projectId === null ? {} : { roles: (shape.roles ?? ['admin', 'member']).map((name, i) => ({ id: `r${i}`, name })) }),
            ...(shape.catalog === undefined ? {} : { catalog: shape.catalog })
        }
    };
};

// The exact password-auth body for the fixture account scoped by project id.
export const AUTH_BODY_BY_PROJECT_ID = {
    auth: {
        identity: { methods: ['password'], password: { user: { name: 'autoscale', domain: { name: 'Default' }, password: 's3cret' } } },
        scope: { project: { id: 'p-service' } }
    }
};

// One password auth, answered with `subjectToken`.
export const expectAuth = (subjectToken: string, shape: TokenShape = {}, body: unknown = AUTH_BODY_BY_PROJECT_ID): nock.Scope =>
    nock(KEYSTONE, { reqheaders: { 'content-type': 'application/json', accept: 'application/json' } })
        .post('/v3/auth/tokens', body as nock.RequestBodyMatcher)
        .reply(201, tokenBody({ catalog: CATALOG, ...shape }), { 'X-Subject-Token': subjectToken, 'Content-Type': 'application/json' });

export const startNock = (): void => {
    if (!nock.isActive()) {
        nock.activate();
    }

    nock.disableNetConnect();
};

// Also restores nock's globals, so lab's leak check and later scripts see the real network.
export const stopNock = (): void => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
};

