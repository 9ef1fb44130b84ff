// Shared by the test/octavia scripts: a catalog with Octavia in it, the
// service account's project-scoped auth, and Octavia-shaped answers.
import nock from 'nock';
import { OctaviaClient, type OctaviaClientOptions } from '../../adapters/octavia/client';
import { LoadBalancerError } from '../../core/model/load-balancer';
import { account, CATALOG, KEYSTONE, ManualClock, tokenBody } from '../nova/fixtures';
import * as Code from '@hapi/code';

// RegionOne lists Octavia's root, as the real one here does; RegionTwo a URL with /v2 already.
export const OCTAVIA = 'http://octavia-one.test:9876';
export const OCTAVIA_TWO = 'https://lb-two.test';

export const OCTAVIA_CATALOG = [
    ...CATALOG,
    {
        type: 'load-balancer', name: 'octavia', id: 's9',
        endpoints: [
            { id: 'e9', interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: 'http://octavia-internal.test:9876' },
            { id: 'e10', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: `${OCTAVIA}/` },
            { id: 'e11', interface: 'public', region: 'RegionTwo', region_id: 'RegionTwo', url: `${OCTAVIA_TWO}/load-balancer/v2` }
        ]
    }
];

// The service account's password auth, scoped to `projectId` by id only.
export const expectProjectAuth = (projectId: string, subjectToken: string, catalog: unknown[] = OCTAVIA_CATALOG): nock.Scope =>
    nock(KEYSTONE, { reqheaders: { 'content-type': 'application/json' } })
        .post('/v3/auth/tokens', {
            auth: {
                identity: { methods: ['password'], password: { user: { name: 'autoscale', domain: { name: 'Default' }, password: 's3cret' } } },
                scope: { project: { id: projectId } }
            }
        })
        .reply(201, tokenBody({ catalog, projectId }), { 'X-Subject-Token': subjectToken, 'Content-Type': 'application/json' });

// What every Octavia answer carries.
export const OCTAVIA_HEADERS = { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-1' };

export const fault = (faultstring: string): Record<string, unknown> => ({ faultcode: 'Client', faultstring, debuginfo: null });

export const rawMember = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    name: `web-as${id.padStart(8, '0').slice(-8)}`,
    operating_status: 'NO_MONITOR',
    provisioning_status: 'ACTIVE',
    admin_state_up: true,
    address: '10.20.1.211',
    protocol_port: 80,
    weight: 1,
    backup: false,
    subnet_id: 'subnet-1',
    project_id: 'tenant-1',
    created_at: '2030-01-01T00:00:00',
    updated_at: null,
    monitor_address: null,
    monitor_port: null,
    tags: [],
    ...over
});

export const rawPool = (id: string, projectId = 'tenant-1'): Record<string, unknown> => ({
    id, name: 'web', provisioning_status: 'ACTIVE', operating_status: 'ONLINE', admin_state_up: true,
    protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', project_id: projectId,
    loadbalancers: [{ id: 'lb-1' }], listeners: [{ id: 'li-1' }], members: [], healthmonitor_id: null, tags: []
});

export const client = (options: OctaviaClientOptions = {}): OctaviaClient =>
    new OctaviaClient(account({ projectId: undefined, projectName: 'service', projectDomainName: 'Default' }), { clock: new ManualClock(), ...options });

export const failure = async (promise: Promise<unknown>): Promise<LoadBalancerError> => {
    const err = await Code.expect(promise).to.reject();
    Code.expect(err).to.be.an.instanceof(LoadBalancerError);
    return err as LoadBalancerError;
};
