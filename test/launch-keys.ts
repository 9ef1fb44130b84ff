// Contract §3 end to end, against the simulator over real HTTP: every key
// args.server takes reaches Nova's create exactly as written (our name suffix
// and metadata added), and a launch configuration that was refused never
// reaches Nova at all.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { serverNameSuffix } from '../core/model/ledger';
import { DEMO } from '../simulator';
import { withRig, type Rig } from './support/converge';
import { expectRefused } from './support/refusal';
import { field } from './support/server';
import { everyServerKey, netId } from './support/launch';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const creates = (rig: Rig): Record<string, unknown>[] => rig.sim.requests
    .filter((r) => r.service === 'compute' && r.method === 'POST' && r.path === '/servers')
    .map((r) => field(r.body, 'server') as Record<string, unknown>);

describe('launch configuration: what reaches Nova', () => {

    it('sends every key args.server takes exactly as written, with our name suffix and metadata added', async () => {
        await withRig({}, async (rig) => {
            // Nova takes only networks the tenant may see.
            rig.sim.addNetwork({ id: netId, projectId: rig.tenant, name: 'web' });
            const written = everyServerKey(DEMO.flavors.tiny.id, DEMO.image.id);
            const groupId = await rig.createGroup({}, written);

            // A refused PUT launch changes nothing of what is sent.
            const launch = `/${rig.tenant}/groups/${groupId}/launch`;
            for (const [key, value] of [['host', 'compute-7'], ['min_count', 5], ['availability_zone', 'nova:compute-7']] as const) {
                await expectRefused(rig.tenant, () => rig.api('PUT', launch, { type: 'launch_server', args: { server: { ...written, [key]: value } } }),
                    { status: 400, type: 'ValidationError', field: `args.server.${key}` });
            }

            await rig.scaleTo(groupId, 1);
            await rig.converge(groupId);
            const [sent, ...more] = creates(rig);
            expect(more).to.have.length(0);
            const intentId = String(field(sent, 'metadata', 'autoscale:intent_id'));
            expect(intentId).to.not.equal('undefined');
            expect(sent).to.equal({
                ...written,
                name: `${String(written.name)}${serverNameSuffix(intentId)}`,
                metadata: { team: 'web', 'autoscale:group_id': groupId, 'autoscale:intent_id': intentId }
            });
            expect(rig.ours(groupId)).to.have.length(1);
        });
    });

    it('sends nothing to Nova for a group whose launch configuration was refused', async () => {
        await withRig({}, async (rig) => {
            const server = { ...everyServerKey(DEMO.flavors.tiny.id, DEMO.image.id), host: 'compute-7', max_count: 5 };
            const body = {
                groupConfiguration: { name: 'web', cooldown: 0, minEntities: 1, maxEntities: 10 },
                launchConfiguration: { type: 'launch_server', args: { server } }
            };
            await expectRefused(rig.tenant, () => rig.api('POST', `/${rig.tenant}/groups`, body),
                { status: 400, type: 'ValidationError', field: 'launchConfiguration.args.server.host' });
            expect(rig.sim.requests.filter((r) => r.service === 'compute')).to.have.length(0);
            expect(rig.sim.servers(rig.tenant)).to.have.length(0);
        });
    });
});
