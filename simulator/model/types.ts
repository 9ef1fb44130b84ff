// The simulator's public types: what tests, benchmarks and the demo see.

export type Service = 'identity' | 'compute' | 'image' | 'network' | 'load-balancer';

// The services a cloud may leave out of its catalog (identity and compute are always there).
export interface OptionalServices {
    readonly image?: boolean;          // Glance (default true)
    readonly network?: boolean;        // Neutron (default true)
    readonly loadBalancer?: boolean;   // Octavia (default true)
}

export interface SimulatorOptions {
    readonly port?: number;            // 0 (default): any free port
    readonly buildDelayMs?: number;    // BUILD → ACTIVE after this long (default 0)
    readonly deleteDelayMs?: number;   // a deleted server stays 'deleting' this long (default 0)
    readonly memberDelayMs?: number;   // an Octavia member change stays PENDING_* this long, its pool and load balancer PENDING_UPDATE (default 0)
    readonly region?: string;          // catalog region (default 'RegionOne')
    readonly tokenTtlS?: number;       // token lifetime (default 3600)
    readonly now?: () => Date;         // the clock; statuses are computed from it on read
    readonly demo?: boolean;           // seed the demo set (see seedDemo)
    readonly services?: OptionalServices; // false: not in the catalog and not served
    readonly tls?: { readonly cert: string; readonly key: string }; // HTTPS with this certificate (PEM) instead of HTTP
}

export type ServerStatus = 'BUILD' | 'ACTIVE' | 'ERROR' | 'SHUTOFF' | 'PAUSED' | 'SUSPENDED' | 'DELETED';

// A server as Nova would show it at the simulator's current time.
export interface SimServer {
    readonly id: string;
    readonly name: string;
    readonly projectId: string;
    readonly userId: string;
    readonly metadata: Readonly<Record<string, string>>;
    readonly status: ServerStatus;
    readonly taskState: string | null;
    readonly vmState: string;
    readonly powerState: number;
    readonly imageId: string;
    readonly flavorId: string;
    readonly keyName: string | null;
    readonly userData: string | null;
    readonly networks: unknown;
    readonly addresses: readonly SimFixedIp[]; // in the order of the networks asked for
    readonly created: Date;
    readonly updated: Date;
}

// A fixed IPv4 address a server holds on one of its networks, for its whole life.
export interface SimFixedIp {
    readonly networkId: string;
    readonly networkName: string;
    readonly subnetId: string;
    readonly address: string;
    readonly macAddress: string;
}

export interface RequestLogEntry {
    readonly service: Service;
    readonly method: string;
    readonly path: string;                           // after the service prefix, e.g. '/servers/detail'
    readonly query: Readonly<Record<string, string>>;
    status: number;                                  // 0 until answered (a hang stays 0)
    readonly requestId: string;                      // the x-openstack-request-id of its answer
    microversion?: string;                           // compute only: the version asked for ('2.1' when absent)
    projectId?: string | null;                       // every service but identity: the project of the request's token (null: no good token)
    fault?: string;                                  // id of the fault rule that applied, if any
    readonly userAgent?: string;                     // the request's User-Agent header, if any: which client sent it
    readonly body?: unknown;                         // the parsed JSON body, if any
    readonly at: Date;
}

// A fault: the first rule matching a request applies to it (and uses up one of its `times`).
// - status (no passThrough): answered with status/body/headers; the request is NOT handled.
// - passThrough: handled as usual (its effects happen), then status/body/headers replace the answer.
// - no status: handled as usual; headers are added (a delay- or header-only rule).
// - delayMs: the answer is sent this much later (a handled request's effects happen at once).
// - hang: never answered until the client leaves or the simulator stops (handled first with passThrough).
// With a status and no body, an error status gets the service's own error body
// (Nova's overLimit also carries retryAfter from a Retry-After header).
export interface FaultRule {
    readonly service?: Service;
    readonly method?: string;
    readonly path?: RegExp | string;                 // after the service prefix; a string matches the whole path
    readonly times?: number;                         // default: unlimited
    readonly status?: number;
    readonly body?: unknown;                         // a string is sent as text/plain; null sends no body
    readonly headers?: Readonly<Record<string, string>>;
    readonly delayMs?: number;
    readonly hang?: boolean;
    readonly passThrough?: boolean;
}

export interface FaultInfo {
    readonly id: string;
    readonly rule: FaultRule;
    readonly remaining: number | null;               // null: unlimited
}

export interface ProjectSpec {
    readonly id?: string;
    readonly name: string;
    readonly domain?: string;                        // domain name (default 'Default')
}

export interface RoleGrant {
    readonly projectId: string;
    readonly role: string;
}

export interface UserSpec {
    readonly name: string;
    readonly password: string;
    readonly domain?: string;
    readonly defaultProjectId?: string;
    readonly roles: readonly RoleGrant[];
}

export interface RoleChange {
    readonly userName: string;
    readonly domain?: string;                        // the user's domain name (default 'Default')
    readonly projectId: string;
    readonly role: string;
}

export interface TokenSpec {
    readonly userName: string;
    readonly domain?: string;
    readonly projectId?: string;
    readonly expiresInS?: number;
}

export interface FlavorSpec {
    readonly id: string;
    readonly name: string;
    readonly ram: number;
    readonly vcpus: number;
    readonly disk: number;
    readonly isPublic?: boolean;                     // default true
    readonly access?: readonly string[];             // projects that may use a private flavor
}

// A flavor as the simulator holds it.
export interface SimFlavor {
    readonly id: string;
    readonly name: string;
    readonly ram: number;
    readonly vcpus: number;
    readonly disk: number;
    readonly isPublic: boolean;
    readonly access: readonly string[];
}

export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

// Glance's visibility: public and community images are everyone's, the others
// their owner's, and a shared image also its members' (taken as accepted).
export interface ImageSpec {
    readonly id?: string;
    readonly name: string;
    readonly owner?: string;                         // project id; required for private and shared
    readonly visibility?: ImageVisibility;           // default 'public'
    readonly members?: readonly string[];            // project ids, for 'shared' only
}

export interface SimImage {
    readonly id: string;
    readonly name: string;
    readonly owner: string | null;
    readonly visibility: ImageVisibility;
    readonly members: readonly string[];
    readonly created: Date;
}

// A Neutron network: its project's, and everyone's when shared. It has one
// IPv4 subnet, from which its servers' fixed addresses come.
export interface NetworkSpec {
    readonly id?: string;
    readonly projectId: string;
    readonly name: string;
    readonly shared?: boolean;                       // default false
    readonly subnet?: SubnetSpec;
}

// No two subnets of a simulator overlap, so an address names one server.
export interface SubnetSpec {
    readonly id?: string;
    readonly name?: string;                          // default '<network name>-subnet'
    readonly cidr?: string;                          // IPv4, /8 to /30; default: the next free /20 in 10.0.0.0/8
}

export interface SimNetwork {
    readonly id: string;
    readonly projectId: string;
    readonly name: string;
    readonly shared: boolean;
    readonly subnet: SimSubnet;
    readonly created: Date;
}

export interface SimSubnet {
    readonly id: string;
    readonly name: string;
    readonly cidr: string;
    readonly gatewayIp: string;                      // the first address; servers get the next ones
}

// A Neutron security group, seen only in its project. Each project's
// 'default' group is made on first need; one added by hand takes its place.
export interface SecurityGroupSpec {
    readonly id?: string;
    readonly projectId: string;
    readonly name: string;
    readonly description?: string;
}

export interface SimSecurityGroup {
    readonly id: string;
    readonly projectId: string;
    readonly name: string;
    readonly description: string;
    readonly created: Date;
}

export interface OutOfBandServerSpec {
    readonly name: string;
    readonly metadata?: Readonly<Record<string, string>>;
    readonly status?: ServerStatus;                  // fixed status; default: follows the build delay
    readonly userId?: string;
    readonly imageId?: string;
    readonly flavorId?: string;
    readonly networks?: readonly string[];           // network ids: a fixed address on each (default none)
}

export type ProvisioningStatus = 'ACTIVE' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE' | 'ERROR';

// An Octavia load balancer, its project's, with its VIP on a subnet the project may use.
export interface LoadBalancerSpec {
    readonly id?: string;
    readonly projectId: string;
    readonly name?: string;                          // default ''
    readonly description?: string;
    readonly vipSubnetId: string;
}

export interface ListenerSpec {
    readonly id?: string;
    readonly loadBalancerId: string;
    readonly name?: string;
    readonly protocol?: string;                      // default 'HTTP'
    readonly protocolPort: number;
}

// A pool of a load balancer (and of a listener, as its default pool, when named).
export interface PoolSpec {
    readonly id?: string;
    readonly loadBalancerId: string;
    readonly listenerId?: string;
    readonly name?: string;
    readonly protocol?: string;                      // default 'HTTP'
    readonly lbAlgorithm?: string;                   // default 'ROUND_ROBIN'
}

// A member put in a pool out of band (someone else's): ACTIVE at once.
export interface PoolMemberSpec {
    readonly id?: string;
    readonly poolId: string;
    readonly address: string;
    readonly protocolPort: number;
    readonly name?: string;
    readonly subnetId?: string;
    readonly weight?: number;                        // default 1
    readonly adminStateUp?: boolean;                 // default true
}

export interface SimLoadBalancer {
    readonly id: string;
    readonly projectId: string;
    readonly name: string;
    readonly vipSubnetId: string;
    readonly vipNetworkId: string;
    readonly vipAddress: string;
    readonly provisioningStatus: ProvisioningStatus;
    readonly listenerIds: readonly string[];
    readonly poolIds: readonly string[];
    readonly created: Date;
}

export interface SimPool {
    readonly id: string;
    readonly projectId: string;
    readonly loadBalancerId: string;
    readonly listenerIds: readonly string[];
    readonly name: string;
    readonly protocol: string;
    readonly lbAlgorithm: string;
    readonly provisioningStatus: ProvisioningStatus;
    readonly memberIds: readonly string[];
    readonly created: Date;
}

// A pool member as Octavia shows it at the simulator's current time.
export interface SimMember {
    readonly id: string;
    readonly poolId: string;
    readonly projectId: string;
    readonly name: string;
    readonly address: string;
    readonly protocolPort: number;
    readonly subnetId: string | null;
    readonly weight: number;
    readonly adminStateUp: boolean;
    readonly provisioningStatus: ProvisioningStatus;
    readonly operatingStatus: string;
    readonly created: Date;
    readonly updated: Date | null;
}

export interface Named {
    readonly id: string;
    readonly name: string;
}
