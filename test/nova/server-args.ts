// Apart from fixtures.ts, which loads nock: these tests talk real HTTP.
import { DEMO } from '../../simulator';

// A create body for the demo cloud, tagged as ours: server n of group g1.
export const demoServerArgs = (n: number, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: `web-as${n.toString(16).padStart(8, '0')}`,
    imageRef: DEMO.image.id,
    flavorRef: DEMO.flavors.tiny.id,
    networks: 'none',
    metadata: { 'autoscale:group_id': 'g1', 'autoscale:intent_id': `intent-${n}` },
    ...over
});
