// Shared by the GuardedCompute tests: a fake Compute that counts what reaches
// it and answers as the test says (at once, with an error, or when released).
import { type Compute, type ComputeScope } from '../../core/ports/compute';
import { type ComputeError, type NovaServer } from '../../core/model/server';

export type FakeMethod = 'create' | 'list' | 'delete';

export interface FakeCall {
    readonly method: FakeMethod;
    readonly region: string | null;
    readonly atMs: number;                     // Date.now() when the call reached the fake
}

// What a call does: null succeeds at once, an error is thrown, a promise is waited for.
export type FakeAnswer = ComputeError | Error | Promise<void> | null;

export class FakeCompute implements Compute {
    readonly calls: FakeCall[] = [];
    answer: (call: FakeCall) => FakeAnswer = () => null;

    async createServer(scope: ComputeScope): Promise<{ readonly id: string }> {
        await this.reach('create', scope);
        return { id: `server-${this.calls.length}` };
    }

    async listServers(scope: ComputeScope): Promise<readonly NovaServer[]> {
        await this.reach('list', scope);
        return [];
    }

    async deleteServer(scope: ComputeScope): Promise<'deleting' | 'gone'> {
        await this.reach('delete', scope);
        return 'deleting';
    }

    count(method?: FakeMethod, region?: string | null): number {
        return this.calls.filter((c) => (method === undefined || c.method === method) && (region === undefined || c.region === region)).length;
    }

    private async reach(method: FakeMethod, scope: ComputeScope): Promise<void> {
        const call = { method, region: scope.region, atMs: Date.now() };
        this.calls.push(call);
        const answer = this.answer(call);
        if (answer instanceof Error) {
            throw answer;
        }

        if (answer !== null) {
            await answer;
        }
    }
}

// A promise the test resolves or rejects when it wants: latency under control.
export class Gate {
    readonly promise: Promise<void>;
    open!: () => void;
    fail!: (err: Error) => void;

    constructor() {
        this.promise = new Promise<void>((resolve, reject) => {
            this.open = resolve;
            this.fail = reject;
        });
    }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Every call's settled outcome: 'ok' or the ComputeError kind.
export const outcome = async (promise: Promise<unknown>): Promise<string> => {
    try {
        await promise;
        return 'ok';
    }
    catch (err) {
        return (err as ComputeError).kind ?? 'thrown';
    }
};

// The real adapter, with the time of every call that got past the guard.
export class CountingCompute implements Compute {
    readonly callsAtMs: number[] = [];

    constructor(private readonly inner: Compute) {}

    createServer(scope: ComputeScope, server: Readonly<Record<string, unknown>>): Promise<{ readonly id: string }> {
        this.callsAtMs.push(Date.now());
        return this.inner.createServer(scope, server);
    }

    listServers(scope: ComputeScope): Promise<readonly NovaServer[]> {
        this.callsAtMs.push(Date.now());
        return this.inner.listServers(scope);
    }

    deleteServer(scope: ComputeScope, serverId: string): Promise<'deleting' | 'gone'> {
        this.callsAtMs.push(Date.now());
        return this.inner.deleteServer(scope, serverId);
    }
}
