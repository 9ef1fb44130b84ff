// The simulator's own operations, behind both the in-process API and /_sim.
import { isIP } from 'node:net';
import type { Project, User } from '../model/directory';
import { uuid } from '../model/ids';
import { loadBalancerView, memberView, poolView, type LoadBalancerRecord, type PoolRecord } from '../model/load-balancers';
import { networkVisible } from '../model/networks';
import { SimInputError } from '../model/sim-error';
import type { SimState } from '../model/state';
import { addMs } from '../model/time';
import type {
    FlavorSpec, ImageSpec, ListenerSpec, LoadBalancerSpec, Named, NetworkSpec, OutOfBandServerSpec, PoolMemberSpec, PoolSpec, ProjectSpec,
    ProvisioningStatus, RoleChange, SecurityGroupSpec, ServerStatus, SimFlavor, SimImage, SimLoadBalancer, SimMember, SimNetwork, SimPool,
    SimSecurityGroup, SimServer, TokenSpec, UserSpec
} from '../model/types';
import { allocateAddresses } from '../nova/ports';

export const SERVER_STATUSES: readonly ServerStatus[] = ['BUILD', 'ACTIVE', 'ERROR', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'DELETED'];

export const PROVISIONING_STATUSES: readonly ProvisioningStatus[] = ['ACTIVE', 'PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE', 'ERROR'];

// What Octavia takes (octavia_lib constants).
const LISTENER_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'UDP', 'SCTP', 'TERMINATED_HTTPS', 'PROMETHEUS'];
const POOL_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'UDP', 'SCTP', 'PROXY', 'PROXYV2'];
const LB_ALGORITHMS = ['ROUND_ROBIN', 'LEAST_CONNECTIONS', 'SOURCE_IP', 'SOURCE_IP_PORT'];

export class SimAdmin {
    constructor(private readonly state: SimState) {}

    addProject(spec: ProjectSpec): Named {
        const { id, name } = this.state.directory.addProject(spec);
        return { id, name };
    }

    addUser(spec: UserSpec): Named {
        const { id, name } = this.state.directory.addUser(spec);
        return { id, name };
    }

    // Its tokens stop working at once, as when an account is deleted in Keystone.
    deleteUser(name: string, domain = 'Default'): boolean {
        const user = this.state.directory.userNamed(name, { name: domain });
        return user !== undefined && this.state.directory.deleteUser(user.id);
    }

    // E.g. the service account's role on a customer project created after it.
    grantRole(grant: RoleChange): void {
        this.state.directory.grant(this.user(grant.userName, grant.domain).id, grant.projectId, grant.role);
    }

    // Tokens already issued lose the role at once (Keystone re-reads roles on validation).
    revokeRole(grant: RoleChange): boolean {
        return this.state.directory.revoke(this.user(grant.userName, grant.domain).id, grant.projectId, grant.role);
    }

    // A token minted directly, as if the user had logged in with a password.
    issueToken(spec: TokenSpec): string {
        const { directory, tokens } = this.state;
        const user = this.user(spec.userName, spec.domain);
        let projectId: string | null = spec.projectId ?? user.defaultProjectId;
        if (projectId !== null && directory.rolesOn(user.id, projectId).length === 0) {
            if (spec.projectId !== undefined) {
                throw new SimInputError(`user ${spec.userName} has no role on project ${spec.projectId}`);
            }

            projectId = null; // a default project without a role gives an unscoped token, as in Keystone
        }

        const now = this.state.now();
        const ttlS = spec.expiresInS ?? this.state.config.tokenTtlS;
        return tokens.mint({ userId: user.id, projectId, methods: ['password'], issuedAt: now, expiresAt: addMs(now, ttlS * 1000) }).id;
    }

    revokeToken(token: string): boolean {
        return this.state.tokens.revoke(token);
    }

    servers(projectId?: string): readonly SimServer[] {
        return this.state.servers.list(this.state.now(), projectId);
    }

    // A server Nova has that we did not create: active at once unless a status is given (which then holds).
    addServer(projectId: string, spec: OutOfBandServerSpec): SimServer {
        this.project(projectId);
        const { resources } = this.state;
        const now = this.state.now();
        const networkIds = spec.networks ?? [];
        networkIds.forEach((id) => this.network(id));
        const addresses = allocateAddresses(this.state, networkIds);
        if (!addresses) {
            throw new SimInputError(`no address left on a subnet of network ${networkIds.join(', ')}`);
        }

        const record = this.state.servers.create({
            projectId,
            userId: spec.userId ?? 'out-of-band',
            name: spec.name,
            metadata: { ...spec.metadata },
            imageId: spec.imageId ?? resources.listImages()[0]?.id ?? '',
            flavorId: spec.flavorId ?? resources.listFlavors()[0]?.id ?? '',
            keyName: null,
            userData: null,
            networks: networkIds.length === 0 ? 'none' : networkIds.map((uuid) => ({ uuid })),
            addresses,
            createdAt: now,
            readyAt: now,
            ...(spec.status ? { fixed: checkStatus(spec.status) } : {})
        });
        return this.state.servers.get(record.id, now) as SimServer;
    }

    // Gone at once, with no 'deleting' phase: someone else removed it.
    deleteServerOutOfBand(id: string): boolean {
        return this.state.servers.delete(id, this.state.now(), 0);
    }

    setServerStatus(id: string, status: ServerStatus): boolean {
        return this.state.servers.setStatus(id, checkStatus(status), this.state.now());
    }

    addFlavor(spec: FlavorSpec): Named {
        spec.access?.forEach((projectId) => this.project(projectId));
        const { id, name } = this.state.resources.addFlavor(spec);
        return { id, name };
    }

    flavors(): readonly SimFlavor[] {
        return this.state.resources.listFlavors();
    }

    addImage(spec: ImageSpec): Named {
        [...spec.owner === undefined ? [] : [spec.owner], ...spec.members ?? []].forEach((projectId) => this.project(projectId));
        const { id, name } = this.state.resources.addImage(spec, this.state.now());
        return { id, name };
    }

    images(): readonly SimImage[] {
        return this.state.resources.listImages();
    }

    addNetwork(spec: NetworkSpec): Named {
        this.project(spec.projectId);
        const { id, name } = this.state.networks.add(spec, this.state.now());
        return { id, name };
    }

    networks(projectId?: string): readonly SimNetwork[] {
        return this.state.networks.list(projectId);
    }

    addSecurityGroup(spec: SecurityGroupSpec): Named {
        this.project(spec.projectId);
        const { id, name } = this.state.securityGroups.add(spec, this.state.now());
        return { id, name };
    }

    // What Neutron holds now: a project's default group shows once something made it.
    securityGroups(projectId?: string): readonly SimSecurityGroup[] {
        return this.state.securityGroups.list(projectId);
    }

    // null: no limit (the default).
    setQuota(projectId: string, instances: number | null): void {
        this.project(projectId);
        if (instances === null) {
            this.state.quotas.delete(projectId);
        }
        else {
            this.state.quotas.set(projectId, instances);
        }
    }

    // A load balancer of the project, its VIP an address of the subnet (of the project's network, or a shared one).
    addLoadBalancer(spec: LoadBalancerSpec): Named {
        this.project(spec.projectId);
        const { subnet, network } = this.subnet(spec.vipSubnetId);
        if (!networkVisible(network, { projectId: spec.projectId, admin: false })) {
            throw new SimInputError(`subnet ${subnet.id} is on network ${network.id}, neither project ${spec.projectId}'s nor shared`);
        }

        const id = spec.id ?? uuid();
        if (this.state.loadBalancers.loadBalancer(id)) {
            throw new SimInputError(`load balancer ${id} exists`);
        }

        const vip = this.state.networks.allocate(network.id);
        if (!vip) {
            throw new SimInputError(`no address left on subnet ${subnet.id}`);
        }

        const lb = this.state.loadBalancers.addLoadBalancer({
            id,
            projectId: spec.projectId,
            name: spec.name ?? '',
            description: spec.description ?? '',
            vip: { subnetId: subnet.id, networkId: network.id, address: vip.address, portId: uuid() },
            createdAt: this.state.now()
        });
        return { id: lb.id, name: lb.name };
    }

    addListener(spec: ListenerSpec): Named {
        const lb = this.loadBalancer(spec.loadBalancerId);
        const protocol = oneOf('protocol', spec.protocol ?? 'HTTP', LISTENER_PROTOCOLS);
        const protocolPort = whole('protocolPort', spec.protocolPort, 1, 65535);
        // Octavia: one listener per protocol port on a load balancer.
        if (lb.listenerIds.some((id) => this.state.loadBalancers.listener(id)?.protocolPort === protocolPort)) {
            throw new SimInputError(`load balancer ${lb.id} has a listener on port ${protocolPort}`);
        }

        const listener = this.state.loadBalancers.addListener({
            id: spec.id ?? uuid(), projectId: lb.projectId, loadBalancerId: lb.id, name: spec.name ?? '', protocol, protocolPort, defaultPoolId: null,
            createdAt: this.state.now()
        });
        return { id: listener.id, name: listener.name };
    }

    // A pool of the load balancer's project; named with a listener, it becomes the listener's default pool.
    addPool(spec: PoolSpec): Named {
        const lb = this.loadBalancer(spec.loadBalancerId);
        const listener = spec.listenerId === undefined ? undefined : this.state.loadBalancers.listener(spec.listenerId);
        if (spec.listenerId !== undefined && listener?.loadBalancerId !== lb.id) {
            throw new SimInputError(`no listener ${spec.listenerId} on load balancer ${lb.id}`);
        }

        if (listener?.defaultPoolId) {
            throw new SimInputError(`listener ${listener.id} has a default pool (${listener.defaultPoolId})`);
        }

        const pool = this.state.loadBalancers.addPool({
            id: spec.id ?? uuid(),
            projectId: lb.projectId,
            loadBalancerId: lb.id,
            listenerIds: listener ? [listener.id] : [],
            name: spec.name ?? '',
            protocol: oneOf('protocol', spec.protocol ?? 'HTTP', POOL_PROTOCOLS),
            lbAlgorithm: oneOf('lbAlgorithm', spec.lbAlgorithm ?? 'ROUND_ROBIN', LB_ALGORITHMS),
            createdAt: this.state.now()
        });
        return { id: pool.id, name: pool.name };
    }

    // A member someone else put in the pool (the pool's project's): ACTIVE at once, the pool not made busy.
    addMember(spec: PoolMemberSpec): SimMember {
        const pool = this.pool(spec.poolId);
        if (isIP(spec.address) === 0) {
            throw new SimInputError(`address ${spec.address} is not an IP address`);
        }

        const protocolPort = whole('protocolPort', spec.protocolPort, 1, 65535);
        const weight = whole('weight', spec.weight ?? 1, 0, 256);
        if (spec.subnetId !== undefined) {
            this.subnet(spec.subnetId);
        }

        const now = this.state.now();
        if (this.state.loadBalancers.duplicate(pool, spec.address, protocolPort, now)) {
            throw new SimInputError(`pool ${pool.id} has a member on ${spec.address} port ${protocolPort}`);
        }

        const member = this.state.loadBalancers.addMemberOutOfBand({
            ...(spec.id === undefined ? {} : { id: spec.id }),
            projectId: pool.projectId,
            poolId: pool.id,
            address: spec.address,
            protocolPort,
            subnetId: spec.subnetId ?? null,
            name: spec.name ?? '',
            weight,
            adminStateUp: spec.adminStateUp ?? true,
            backup: false,
            monitorAddress: null,
            monitorPort: null,
            tags: []
        }, now);
        return memberView(member, now);
    }

    loadBalancers(projectId?: string): readonly SimLoadBalancer[] {
        const now = this.state.now();
        return this.state.loadBalancers.listLoadBalancers().filter((lb) => projectId === undefined || lb.projectId === projectId).map((lb) => loadBalancerView(lb, now));
    }

    pools(projectId?: string): readonly SimPool[] {
        const now = this.state.now();
        const store = this.state.loadBalancers;
        return store.listPools().filter((p) => projectId === undefined || p.projectId === projectId).map((p) => poolView(p, store.poolMembers(p, now), now));
    }

    // Every member of the pool Octavia shows now, whoever made it.
    members(poolId: string): readonly SimMember[] {
        const now = this.state.now();
        return this.state.loadBalancers.poolMembers(this.pool(poolId), now).map((m) => memberView(m, now));
    }

    // A status held until set again; null goes back to following member changes.
    setLoadBalancerStatus(id: string, status: ProvisioningStatus | null): boolean {
        return this.state.loadBalancers.setLoadBalancerStatus(id, checkProvisioning(status));
    }

    setPoolStatus(id: string, status: ProvisioningStatus | null): boolean {
        return this.state.loadBalancers.setPoolStatus(id, checkProvisioning(status));
    }

    private loadBalancer(id: string): LoadBalancerRecord {
        const lb = this.state.loadBalancers.loadBalancer(id);
        if (!lb) {
            throw new SimInputError(`no load balancer ${id}`);
        }

        return lb;
    }

    private pool(id: string): PoolRecord {
        const pool = this.state.loadBalancers.pool(id);
        if (!pool) {
            throw new SimInputError(`no pool ${id}`);
        }

        return pool;
    }

    private subnet(id: string): NonNullable<ReturnType<SimState['networks']['subnet']>> {
        const found = this.state.networks.subnet(id);
        if (!found) {
            throw new SimInputError(`no subnet ${id}`);
        }

        return found;
    }

    private network(id: string): SimNetwork {
        const network = this.state.networks.get(id);
        if (!network) {
            throw new SimInputError(`no network ${id}`);
        }

        return network;
    }

    private user(name: string, domain = 'Default'): User {
        const user = this.state.directory.userNamed(name, { name: domain });
        if (!user) {
            throw new SimInputError(`no user ${name} in domain ${domain}`);
        }

        return user;
    }

    private project(id: string): Project {
        const project = this.state.directory.project(id);
        if (!project) {
            throw new SimInputError(`no project ${id}`);
        }

        return project;
    }
}

const checkProvisioning = (status: ProvisioningStatus | null): ProvisioningStatus | null => {
    if (status !== null && !PROVISIONING_STATUSES.includes(status)) {
        throw new SimInputError(`unknown provisioning status ${String(status)}`);
    }

    return status;
};

const oneOf = (name: string, value: string, allowed: readonly string[]): string => {
    if (!allowed.includes(value)) {
        throw new SimInputError(`${name} must be one of ${allowed.join(', ')}`);
    }

    return value;
};

const whole = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new SimInputError(`${name} must be a whole number from ${min} to ${max}`);
    }

    return value;
};

const checkStatus = (status: ServerStatus): ServerStatus => {
    if (!SERVER_STATUSES.includes(status)) {
        throw new SimInputError(`unknown server status ${String(status)}`);
    }

    return status;
};
