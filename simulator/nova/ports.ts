// The ports Nova asks Neutron for on a create: one fixed IPv4 address on each
// network the server is attached to, rendered in the server's `addresses`.
import { isRecord } from '../http/messages';
import { networkVisible } from '../model/networks';
import type { SimState } from '../model/state';
import type { SimFixedIp } from '../model/types';
import type { Viewer } from '../model/viewer';

// The network ids of a create's `networks` (already validated): 'none' none;
// 'auto', or none given before 2.37, the project's first own network, else the
// first shared one (the simulator's stand-in for Nova's "get me a network").
// A `port` entry attaches an existing port the simulator does not know: no address.
export const attachedNetworks = (state: SimState, viewer: Viewer, networks: unknown): string[] => {
    if (networks === 'none') {
        return [];
    }

    if (Array.isArray(networks) && networks.length > 0) {
        return networks.filter(isRecord).map((n) => n.uuid).filter((id): id is string => typeof id === 'string');
    }

    const visible = state.networks.list().filter((n) => networkVisible(n, viewer));
    const chosen = visible.find((n) => n.projectId === viewer.projectId) ?? visible.find((n) => n.shared);
    return chosen ? [chosen.id] : [];
};

// An address on each network, in order; null when a subnet has none left (Nova's build then fails).
export const allocateAddresses = (state: SimState, networkIds: readonly string[]): SimFixedIp[] | null => {
    const addresses: SimFixedIp[] = [];
    for (const id of networkIds) {
        const fixedIp = state.networks.allocate(id);
        if (!fixedIp) {
            return null;
        }

        addresses.push(fixedIp);
    }

    return addresses;
};

// Nova's `addresses`: by network name, each a list (two ports on one network share the key).
export const addressesBody = (addresses: readonly SimFixedIp[]): Record<string, unknown[]> => {
    const body: Record<string, unknown[]> = {};
    for (const a of addresses) {
        (body[a.networkName] ??= []).push({ version: 4, addr: a.address, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': a.macAddress });
    }

    return body;
};
