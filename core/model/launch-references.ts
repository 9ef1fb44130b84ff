// What a launch configuration names in the customer's project: the image,
// the flavor, each network and security group, and each disk's image. The
// plugin checks each with the customer's own token before it is stored
// (contract §3), because the service account that later creates the server
// may see more than the customer does.
import type { LaunchConfig } from './group';

export type LaunchReferenceKind = 'image' | 'flavor' | 'network' | 'security_group';

export interface LaunchReference {
    readonly kind: LaunchReferenceKind;
    readonly id: string;                   // an id, or a security group's name
    readonly field: string;                // where it is, from `args`: 'args.server.networks.0.uuid'
}

// Nova takes an image or flavor as an id or as a URL ending in the id.
const lastSegment = (ref: string): string => ref.replace(/\/+$/, '').replace(/^.*\//, '');

const listOf = (value: unknown): readonly Record<string, unknown>[] =>
    Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];

// In the order a reader meets them, so the first refusal names the first field.
export const launchReferences = (launch: LaunchConfig): readonly LaunchReference[] => {
    const server = launch.args.server;
    const at = (path: string): string => `args.server.${path}`;
    const refs: LaunchReference[] = [];
    if (typeof server.imageRef === 'string' && server.imageRef !== '') {
        refs.push({ kind: 'image', id: lastSegment(server.imageRef), field: at('imageRef') });
    }

    if (typeof server.flavorRef === 'string') {
        refs.push({ kind: 'flavor', id: lastSegment(server.flavorRef), field: at('flavorRef') });
    }

    listOf(server.networks).forEach((network, i) => {
        if (typeof network.uuid === 'string') {
            refs.push({ kind: 'network', id: network.uuid, field: at(`networks.${i}.uuid`) });
        }
    });
    listOf(server.security_groups).forEach((group, i) => {
        if (typeof group.name === 'string') {
            refs.push({ kind: 'security_group', id: group.name, field: at(`security_groups.${i}.name`) });
        }
    });
    listOf(server.block_device_mapping_v2).forEach((disk, i) => {
        if (disk.source_type === 'image' && typeof disk.uuid === 'string') {
            refs.push({ kind: 'image', id: disk.uuid, field: at(`block_device_mapping_v2.${i}.uuid`) });
        }
    });
    return refs;
};
