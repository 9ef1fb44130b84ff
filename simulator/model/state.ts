// Everything the simulator knows, in one place the handlers share.
import { ApplicationCredentials } from './application-credentials';
import { Directory } from './directory';
import { FaultList } from '../control/faults';
import { LoadBalancerStore } from './load-balancers';
import { Networks } from './networks';
import { Resources } from './resources';
import { SecurityGroups } from './security-groups';
import { ServerStore } from './servers';
import { TokenStore } from '../keystone/tokens';
import type { RequestLogEntry } from './types';

export interface SimConfig {
    readonly region: string;
    readonly buildDelayMs: number;
    readonly deleteDelayMs: number;
    readonly memberDelayMs: number;
    readonly tokenTtlS: number;
    readonly now: () => Date;
    readonly services: { readonly image: boolean; readonly network: boolean; readonly loadBalancer: boolean }; // in the catalog and served
}

// The addresses are known only once the server listens; handlers read them per request.
export interface Endpoints {
    readonly origin: string;      // http://127.0.0.1:PORT
    readonly authUrl: string;     // origin + /identity/v3
    readonly computeUrl: string;  // origin + /compute/v2.1
    readonly imageUrl: string;    // origin + /image (Glance's root: clients add /v2)
    readonly networkUrl: string;  // origin + /networking (Neutron's root: clients add /v2.0)
    readonly loadBalancerUrl: string; // origin + /load-balancer (Octavia's root: clients add /v2)
}

export class SimState {
    readonly directory = new Directory();
    readonly applicationCredentials = new ApplicationCredentials();
    readonly tokens = new TokenStore(this.applicationCredentials);
    readonly resources = new Resources();
    readonly networks = new Networks();
    readonly securityGroups = new SecurityGroups();
    readonly servers = new ServerStore();
    readonly loadBalancers = new LoadBalancerStore();
    readonly faults = new FaultList();
    readonly requests: RequestLogEntry[] = [];
    readonly quotas = new Map<string, number>(); // project → max instances
    endpoints: Endpoints = { origin: '', authUrl: '', computeUrl: '', imageUrl: '', networkUrl: '', loadBalancerUrl: '' };

    constructor(readonly config: SimConfig) {}

    now(): Date {
        return this.config.now();
    }
}
