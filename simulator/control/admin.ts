// The simulator's own operations, behind both the in-process API and /_sim.
import type { Project, User } from '../model/directory';
import { SimInputError } from '../model/sim-error';
import type { SimState } from '../model/state';
import { addMs } from '../model/time';
import type {
    FlavorSpec, ImageSpec, Named, NetworkSpec, OutOfBandServerSpec, ProjectSpec, RoleChange, SecurityGroupSpec, ServerStatus, SimFlavor, SimImage,
    SimNetwork, SimSecurityGroup, SimServer, TokenSpec, UserSpec
} from '../model/types';
import { allocateAddresses } from '../nova/ports';

export const SERVER_STATUSES: readonly ServerStatus[] = ['BUILD', 'ACTIVE', 'ERROR', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'DELETED'];

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

const checkStatus = (status: ServerStatus): ServerStatus => {
    if (!SERVER_STATUSES.includes(status)) {
        throw new SimInputError(`unknown server status ${String(status)}`);
    }

    return status;
};
