// What the bench (parent) and a server host (child process) say to each other.
import type { ServiceAccount } from '../../adapters/keystone/service-account';

export type HostDatabase =
    | { readonly kind: 'pglite' }                         // in memory, this process's own
    | { readonly kind: 'postgres'; readonly url: string }; // migrated by the parent already

export interface HostConfig {
    readonly role: 'floor' | 'plugin';
    readonly database: HostDatabase;
    readonly tenantId: string;
    readonly serviceAccount?: ServiceAccount;              // plugin only
}

export const HOST_CONFIG_ENV = 'BENCH_HOST_CONFIG';

// Parent → host.
export type HostCommand =
    | { readonly type: 'reset' }                           // drop the tenant's groups, vacuum
    | { readonly type: 'usage' }
    | { readonly type: 'stop' };

export interface HostUsage {
    readonly rssBytes: number;
    readonly maxRssBytes: number;                          // peak since the host started
    readonly heapUsedBytes: number;
    readonly cpuMicros: number;                            // user + system since the host started
}

// Host → parent.
export type HostEvent =
    | { readonly type: 'ready'; readonly port: number }
    | { readonly type: 'reset-done'; readonly groupsBefore: number }
    | { readonly type: 'usage'; readonly usage: HostUsage }
    | { readonly type: 'failed'; readonly message: string };
