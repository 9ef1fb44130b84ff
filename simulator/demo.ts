// The ready-made demo cloud: what the demo host, the benchmarks and most tests start from.
import type { ServiceAccount } from '../adapters/keystone/service-account';
import type { FlavorSpec, ImageSpec, ListenerSpec, LoadBalancerSpec, Named, NetworkSpec, PoolSpec, ProjectSpec, UserSpec } from './model/types';

export const DEMO = {
    domain: 'Default',
    demoProject: { id: 'demo', name: 'demo' },
    // Not its name, so code that confuses a project's name with its id shows up.
    serviceProject: { id: '8d4f1c2a9b7e4a6f8c3d2e1f0a9b8c7d', name: 'service' },
    // The project on which the admin role makes an operator (contract §2, default
    // 'admin' by name); its id is not its name either.
    adminProject: { id: '3e9a7b1c5d2f4e8a9b0c1d2e3f4a5b6c', name: 'admin' },
    serviceUser: { name: 'autoscale', password: 'secret' },
    customer: { name: 'alice', password: 'secret' },
    operator: { name: 'operator', password: 'secret' },
    flavors: {
        tiny: { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
        small: { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 }
    },
    // Everyone's: any project's launch configuration may name it.
    image: { id: '6f1b6a4e-0c55-4b52-9f43-3b0d8e0a7c21', name: 'tiny-raw', visibility: 'public' },
    // The operator's network, shared with every project, as a cloud's 'public' one is;
    // servers on it get their fixed addresses from its subnet.
    network: {
        id: 'c2a8e3f1-7b4d-4e6a-9f05-1d3b8c7a2e94', name: 'public', shared: true,
        subnet: { id: '342aae60-6ef2-4393-85ad-98b323f18f31', name: 'public-subnet', cidr: '10.20.0.0/16' }
    },
    // The demo tenant's load balancer, its VIP on the public subnet: an HTTP
    // listener on port 80 and the one pool behind it, which groups can join.
    loadBalancer: {
        id: '4eddab2b-ebd7-4e75-8c2d-4c2c6fbbf624', name: 'web-lb',
        listener: { id: 'af2d2a5b-1bd1-4461-ad08-3dea6dda9f18', name: 'web-http', protocol: 'HTTP', protocolPort: 80 },
        pool: { id: '90241096-3ad9-4053-88c0-c7e25a29f7ab', name: 'web-pool', protocol: 'HTTP', lbAlgorithm: 'ROUND_ROBIN' }
    }
} as const;

// The ids most callers need, flat.
export const demoProjectId = DEMO.demoProject.id;
export const serviceProjectId = DEMO.serviceProject.id;
export const adminProjectId = DEMO.adminProject.id;
export const demoImageId = DEMO.image.id;
export const demoFlavorId = DEMO.flavors.tiny.id;
export const demoNetworkId = DEMO.network.id;
export const demoSubnetId = DEMO.network.subnet.id;
export const demoLoadBalancerId = DEMO.loadBalancer.id;
export const demoPoolId = DEMO.loadBalancer.pool.id;

export interface Seedable {
    addProject(spec: ProjectSpec): Named;
    addUser(spec: UserSpec): Named;
    addFlavor(spec: FlavorSpec): Named;
    addImage(spec: ImageSpec): Named;
    addNetwork(spec: NetworkSpec): Named;
    addLoadBalancer(spec: LoadBalancerSpec): Named;
    addListener(spec: ListenerSpec): Named;
    addPool(spec: PoolSpec): Named;
}

export interface DemoIds {
    readonly serviceUserId: string;
    readonly customerId: string;
    readonly operatorId: string;
}

export const seedDemo = (sim: Seedable): DemoIds => {
    const { demoProject, serviceProject, adminProject, serviceUser, customer, operator, flavors, image, network, loadBalancer } = DEMO;
    sim.addProject(demoProject);
    sim.addProject(serviceProject);
    sim.addProject(adminProject);
    const service = sim.addUser({
        ...serviceUser,
        defaultProjectId: serviceProject.id,
        // admin only in its own project (to validate customers' tokens); on a customer's project a member, as in a real cloud
        roles: [{ projectId: serviceProject.id, role: 'admin' }, { projectId: demoProject.id, role: 'member' }]
    });
    const alice = sim.addUser({ ...customer, defaultProjectId: demoProject.id, roles: [{ projectId: demoProject.id, role: 'member' }] });
    // The demo's operator: admin on the admin project, so the admin routes and the admin UI have a user.
    const ops = sim.addUser({ ...operator, defaultProjectId: adminProject.id, roles: [{ projectId: adminProject.id, role: 'admin' }] });
    sim.addFlavor(flavors.tiny);
    sim.addFlavor(flavors.small);
    sim.addImage(image);
    sim.addNetwork({ ...network, projectId: adminProject.id });
    const { listener, pool } = loadBalancer;
    sim.addLoadBalancer({ id: loadBalancer.id, name: loadBalancer.name, projectId: demoProject.id, vipSubnetId: network.subnet.id });
    sim.addListener({ ...listener, loadBalancerId: loadBalancer.id });
    sim.addPool({ ...pool, loadBalancerId: loadBalancer.id, listenerId: listener.id });
    return { serviceUserId: service.id, customerId: alice.id, operatorId: ops.id };
};

// The demo service account, as a host would configure it against this simulator.
export const demoServiceAccount = (sim: { readonly authUrl: string; readonly region: string }): ServiceAccount => ({
    authUrl: sim.authUrl,
    username: DEMO.serviceUser.name,
    password: DEMO.serviceUser.password,
    userDomainName: DEMO.domain,
    projectId: DEMO.serviceProject.id,
    regionName: sim.region,
    interface: 'public'
});
