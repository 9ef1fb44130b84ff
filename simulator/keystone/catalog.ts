// The service catalog a project-scoped token carries.
import { createHash } from 'node:crypto';
import type { Endpoints, SimConfig } from '../model/state';

const INTERFACES = ['public', 'internal', 'admin'] as const;

// Stable ids (the same on every token), shaped like Keystone's.
const stableId = (...parts: string[]): string => createHash('md5').update(parts.join(':')).digest('hex');

const entry = (type: string, name: string, url: string, region: string): unknown => {
    return {
        type,
        name,
        id: stableId(type),
        endpoints: INTERFACES.map((iface) => ({ id: stableId(type, iface, region), interface: iface, region, region_id: region, url }))
    };
};

// Glance, Neutron and Octavia are listed unless the simulator runs without them.
export const catalog = (endpoints: Endpoints, config: Pick<SimConfig, 'region' | 'services'>): unknown[] => {
    const { region, services } = config;
    return [
        entry('compute', 'nova', endpoints.computeUrl, region),
        entry('identity', 'keystone', endpoints.authUrl, region),
        ...(services.image ? [entry('image', 'glance', endpoints.imageUrl, region)] : []),
        ...(services.network ? [entry('network', 'neutron', endpoints.networkUrl, region)] : []),
        ...(services.loadBalancer ? [entry('load-balancer', 'octavia', endpoints.loadBalancerUrl, region)] : [])
    ];
};
