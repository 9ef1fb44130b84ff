// The bench's knobs, from the environment so a profiling run can narrow it:
// BENCH_BACKENDS=pglite,postgres  BENCH_CONCURRENCY=16  BENCH_SECONDS=2
// BENCH_WARMUP_SECONDS=1  BENCH_ROUNDS=3  BENCH_OPS=create,get  BENCH_PG_URL=postgres://...
// BENCH_SECTIONS=api,supervisor,converge,capability,in-service,webhook,schedules,metrics (which sections run; bench/converge/settings.ts has the converger's own
// knobs and parts, the cluster's among them, bench/schedules/settings.ts the schedules', bench/in-service/index.ts the time-to-in-service ones,
// BENCH_SUPERVISOR_PARTS=alert,capability,instrumentation the supervisor's: instrumentation is the decision loop with metrics and logging on vs off,
// its own rounds at the top of bench/supervisor/instrumentation.ts)
export type BackendKind = 'pglite' | 'postgres';
export type Operation = 'create' | 'get';
export type Section = 'api' | 'supervisor' | 'converge' | 'capability' | 'in-service' | 'webhook' | 'schedules' | 'metrics';

export interface BenchSettings {
    readonly backends: readonly BackendKind[];
    readonly operations: readonly Operation[];
    readonly sections: readonly Section[];
    readonly concurrency: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly rounds: number;
    readonly postgresAdminUrl: string;
}

export const number = (name: string, fallback: number): number => {
    const raw = process.env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`${name} must be a positive number, got "${raw}"`);
    }

    return value;
};

export const list = <T extends string>(name: string, allowed: readonly T[]): T[] => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') {
        return [...allowed];
    }

    return raw.split(',').map((item) => {
        const value = item.trim() as T;
        if (!allowed.includes(value)) {
            throw new Error(`${name}: "${item}" is not one of ${allowed.join(', ')}`);
        }

        return value;
    });
};

export const benchSettings = (): BenchSettings => ({
    backends: list<BackendKind>('BENCH_BACKENDS', ['pglite', 'postgres']),
    operations: list<Operation>('BENCH_OPS', ['create', 'get']),
    sections: list<Section>('BENCH_SECTIONS', ['api', 'supervisor', 'converge', 'capability', 'in-service', 'webhook', 'schedules', 'metrics']),
    concurrency: Math.round(number('BENCH_CONCURRENCY', 16)),
    seconds: number('BENCH_SECONDS', 2),
    warmupSeconds: number('BENCH_WARMUP_SECONDS', 1),
    rounds: Math.round(number('BENCH_ROUNDS', 3)),
    postgresAdminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
});
