// What a launch configuration names (core/model/launch-references.ts): each
// image, flavor, network and security group, with the field it is in.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { launchReferences } from '../../../core/model/launch-references';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const launch = (server: Record<string, unknown>) => ({ type: 'launch_server' as const, args: { server } });
const uuid = '0d7e1b87-0000-4000-8000-000000000001';

describe('launchReferences', () => {

    const rows: { name: string; server: Record<string, unknown>; refs: [string, string, string][] }[] = [
        { name: 'an image and a flavor by id', server: { imageRef: 'img', flavorRef: '2' }, refs: [['image', 'img', 'args.server.imageRef'], ['flavor', '2', 'args.server.flavorRef']] },
        {
            name: 'an image and a flavor by URL: the last segment is the id',
            server: { imageRef: `https://glance.example/v2/images/${uuid}`, flavorRef: 'https://nova.example/v2.1/flavors/m1/' },
            refs: [['image', uuid, 'args.server.imageRef'], ['flavor', 'm1', 'args.server.flavorRef']]
        },
        { name: 'no image (boot from a disk): nothing for it', server: { imageRef: '', flavorRef: '2' }, refs: [['flavor', '2', 'args.server.flavorRef']] },
        {
            name: 'each network by uuid, in order',
            server: { flavorRef: '2', networks: [{ uuid: 'n1' }, { uuid: 'n2', fixed_ip: '10.0.0.5' }] },
            refs: [['flavor', '2', 'args.server.flavorRef'], ['network', 'n1', 'args.server.networks.0.uuid'], ['network', 'n2', 'args.server.networks.1.uuid']]
        },
        { name: '"auto" and "none" name no network', server: { flavorRef: '2', networks: 'auto' }, refs: [['flavor', '2', 'args.server.flavorRef']] },
        {
            name: 'security groups by name',
            server: { flavorRef: '2', security_groups: [{ name: 'default' }, { name: 'web' }] },
            refs: [['flavor', '2', 'args.server.flavorRef'], ['security_group', 'default', 'args.server.security_groups.0.name'], ['security_group', 'web', 'args.server.security_groups.1.name']]
        },
        {
            name: 'a disk from an image names it; a blank one names nothing',
            server: { flavorRef: '2', block_device_mapping_v2: [{ source_type: 'blank', volume_size: 1 }, { source_type: 'image', uuid }] },
            refs: [['flavor', '2', 'args.server.flavorRef'], ['image', uuid, 'args.server.block_device_mapping_v2.1.uuid']]
        },
        {
            // The route's schema keeps these out; a shape that is not a reference names nothing.
            name: 'what is not a reference is passed over',
            server: { flavorRef: 2, networks: [null, 'x', { fixed_ip: '10.0.0.5' }], security_groups: [{}], block_device_mapping_v2: [{ source_type: 'image' }] },
            refs: []
        }
    ];

    for (const row of rows) {
        it(row.name, () => {
            expect(launchReferences(launch(row.server)).map((ref) => [ref.kind, ref.id, ref.field])).to.equal(row.refs);
        });
    }
});
