// Neutron's networks: a project's own, and everyone's when shared. Each has
// one IPv4 subnet; the fixed addresses of servers (and load balancers' VIPs)
// come from it, in order and never twice, so an address names one port.
import { formatCidr, formatIpv4, macAddress, overlaps, parseCidr, size, type Cidr } from './addresses';
import { uuid } from './ids';
import { SimInputError } from './sim-error';
import type { NetworkSpec, SimFixedIp, SimNetwork, SimSubnet } from './types';
import type { Viewer } from './viewer';

// Subnets made without a CIDR are the next free /20 of 10.0.0.0/8 (4094 addresses each).
const AUTO_PREFIX = 20;
const AUTO_RANGE: Cidr = { base: 10 * 2 ** 24, prefix: 8 };

interface SubnetState {
    readonly subnet: SimSubnet;
    readonly network: SimNetwork;
    readonly cidr: Cidr;
    next: number;                         // offset of the next address to hand out (.1 is the gateway)
}

export class Networks {
    private readonly networks = new Map<string, SimNetwork>();
    private readonly subnets = new Map<string, SubnetState>();
    private ports = 0;                    // MAC addresses handed out

    add(spec: NetworkSpec, created: Date): SimNetwork {
        const id = spec.id ?? uuid();
        if (this.networks.has(id)) {
            throw new SimInputError(`network ${id} exists`);
        }

        const subnetId = spec.subnet?.id ?? uuid();
        if (this.subnets.has(subnetId)) {
            throw new SimInputError(`subnet ${subnetId} exists`);
        }

        const cidr = spec.subnet?.cidr === undefined ? this.freeCidr() : this.checkCidr(spec.subnet.cidr);
        const subnet: SimSubnet = { id: subnetId, name: spec.subnet?.name ?? `${spec.name}-subnet`, cidr: formatCidr(cidr), gatewayIp: formatIpv4(cidr.base + 1) };
        const network: SimNetwork = { id, projectId: spec.projectId, name: spec.name, shared: spec.shared ?? false, subnet, created };
        this.networks.set(id, network);
        this.subnets.set(subnetId, { subnet, network, cidr, next: 2 });
        return network;
    }

    get(id: string): SimNetwork | undefined {
        return this.networks.get(id);
    }

    // The subnet and the network it belongs to.
    subnet(id: string): { readonly subnet: SimSubnet; readonly network: SimNetwork } | undefined {
        return this.subnets.get(id);
    }

    // In creation order, as Neutron lists by id only when asked to sort.
    list(projectId?: string): SimNetwork[] {
        return [...this.networks.values()].filter((n) => projectId === undefined || n.projectId === projectId);
    }

    // The next address of the network's subnet, with a MAC of its own; null when the subnet is full.
    // The network is one the caller has looked up (Nova's create, SimAdmin).
    allocate(networkId: string): SimFixedIp | null {
        const network = this.networks.get(networkId) as SimNetwork;
        const state = this.subnets.get(network.subnet.id) as SubnetState;
        if (state.next > size(state.cidr) - 2) {
            return null;
        }

        const address = formatIpv4(state.cidr.base + state.next);
        state.next += 1;
        this.ports += 1;
        return { networkId, networkName: network.name, subnetId: network.subnet.id, address, macAddress: macAddress(this.ports) };
    }

    private checkCidr(text: string): Cidr {
        const cidr = parseCidr(text);
        if (!cidr) {
            throw new SimInputError(`cidr ${text} is not an IPv4 network from /8 to /30`);
        }

        const taken = [...this.subnets.values()].find((s) => overlaps(s.cidr, cidr));
        if (taken) {
            throw new SimInputError(`cidr ${text} overlaps subnet ${taken.subnet.id} (${taken.subnet.cidr})`);
        }

        return cidr;
    }

    private freeCidr(): Cidr {
        const step = 2 ** (32 - AUTO_PREFIX);
        // The first /20 (10.0.0.0) is left out, as a cloud's own ranges often start there.
        // Only 4095 subnets would end the loop: its exit is not covered.
        for (let base = AUTO_RANGE.base + step; base < AUTO_RANGE.base + size(AUTO_RANGE); base += step) { // $lab:coverage:ignore$
            const cidr: Cidr = { base, prefix: AUTO_PREFIX };
            if (![...this.subnets.values()].some((s) => overlaps(s.cidr, cidr))) {
                return cidr;
            }
        }

        /* $lab:coverage:off$ */ // 4095 subnets
        throw new SimInputError('no free /20 left in 10.0.0.0/8');
        /* $lab:coverage:on$ */
    }
}

// Neutron's default policy: owned or shared; an admin sees every network (and its subnet).
export const networkVisible = (network: SimNetwork, viewer: Viewer): boolean => {
    return viewer.admin || network.shared || network.projectId === viewer.projectId;
};
