// Shared by the simulator's tests: a simulator per test, a clock the test
// moves, and plain HTTP calls through undici.
import { request } from 'undici';
import { DEMO, startSimulator, type Simulator, type SimulatorOptions } from '../../simulator';

export class ManualClock {
    constructor(private t = Date.parse('2026-11-25T12:00:00.000Z')) {}

    readonly now = (): Date => new Date(this.t);

    advance(ms: number): void {
        this.t += ms;
    }
}

// Start a seeded simulator, run the test, and always stop it (no listener left behind).
export const withSim = async <T>(options: SimulatorOptions, test: (sim: Simulator) => Promise<T>): Promise<T> => {
    const sim = await startSimulator({ demo: true, ...options });
    try {
        return await test(sim);
    }
    finally {
        await sim.stop();
    }
};

export interface Reply {
    readonly status: number;
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly text: string;
    readonly json: unknown;
}

export interface CallOptions {
    readonly token?: string;
    readonly headers?: Record<string, string>;
    readonly body?: unknown;       // a string is sent as is (to send broken JSON)
    readonly microversion?: string;
    readonly signal?: AbortSignal;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export const call = async (method: Method, url: string, options: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) {
        headers['x-auth-token'] = options.token;
    }

    if (options.microversion !== undefined) {
        headers['openstack-api-version'] = `compute ${options.microversion}`;
    }

    let body: string | undefined;
    if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
    }

    const res = await request(url, { method, headers, body, ...(options.signal ? { signal: options.signal } : {}) });
    const text = await res.body.text();
    let json: unknown = undefined;
    try {
        json = text === '' ? undefined : JSON.parse(text);
    }
    catch {
        json = undefined;
    }

    return { status: res.statusCode, headers: res.headers, text, json };
};

export const passwordAuth = (name: string, password: string, scope?: unknown): unknown => {
    return {
        auth: {
            identity: { methods: ['password'], password: { user: { name, password, domain: { name: 'Default' } } } },
            ...(scope === undefined ? {} : { scope })
        }
    };
};

// Log in the way a client does, returning the token.
export const login = async (sim: Simulator, name: string, password: string, scope?: unknown): Promise<string> => {
    const res = await call('POST', `${sim.authUrl}/auth/tokens`, { body: passwordAuth(name, password, scope) });
    const token = res.headers['x-subject-token'];
    if (res.status !== 201 || typeof token !== 'string') {
        throw new Error(`login failed: ${res.status} ${res.text}`);
    }

    return token;
};

export const aliceToken = (sim: Simulator): string => sim.issueToken({ userName: DEMO.customer.name, projectId: DEMO.demoProject.id });

export interface ServerBody {
    readonly name?: string;
    readonly imageRef?: unknown;
    readonly flavorRef?: unknown;
    readonly networks?: unknown;
    readonly metadata?: unknown;
    readonly [key: string]: unknown;
}

export const serverBody = (overrides: ServerBody = {}): { server: ServerBody } => {
    return { server: { name: 'web-as0a1b2c3d', imageRef: DEMO.image.id, flavorRef: DEMO.flavors.tiny.id, networks: 'none', ...overrides } };
};

// Create a server as alice at 2.37 and return its id.
export const createServer = async (sim: Simulator, token: string, overrides: ServerBody = {}): Promise<string> => {
    const res = await call('POST', `${sim.computeUrl}/servers`, { token, microversion: '2.37', body: serverBody(overrides) });
    if (res.status !== 202) {
        throw new Error(`create failed: ${res.status} ${res.text}`);
    }

    return (res.json as { server: { id: string } }).server.id;
};

// Narrow a JSON value for assertions; the test then checks the shape it expects.
export const obj = (value: unknown): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`not an object: ${JSON.stringify(value)}`);
    }

    return value as Record<string, unknown>;
};

export const arr = (value: unknown): unknown[] => {
    if (!Array.isArray(value)) {
        throw new Error(`not a list: ${JSON.stringify(value)}`);
    }

    return value;
};

// A second customer beside alice's `demo`: project `acme`, with bob as its member.
export const otherCustomer = (sim: Simulator): { readonly projectId: string; readonly token: string } => {
    sim.addProject({ id: 'acme', name: 'acme' });
    sim.addUser({ name: 'bob', password: 'secret', defaultProjectId: 'acme', roles: [{ projectId: 'acme', role: 'member' }] });
    return { projectId: 'acme', token: sim.issueToken({ userName: 'bob', projectId: 'acme' }) };
};

// The demo's operator: admin on the admin project, so admin to every service's policy.
export const operatorToken = (sim: Simulator): string => sim.issueToken({ userName: DEMO.operator.name, projectId: DEMO.adminProject.id });
