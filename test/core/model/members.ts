// A members stage's progress as the ledger keeps it (core/model/members.ts):
// read back whatever the row holds, started at the join, carried to the terminate.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { joinDetail, leavingDetail, membersDetailOf, type MembersDetail } from '../../../core/model/members';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('members detail', () => {

    it('starts with the targets as they are at the join, and no member', () => {
        const targets = [{ poolId: 'p1', port: 80 }];
        const detail = joinDetail(targets, 30);
        expect(detail).to.equal({ targets, drainingTimeoutS: 30, members: [] });
        expect(detail.targets).to.not.shallow.equal(targets);
    });

    it('carries a launch\'s members to its terminate, not drained nor deleted, and not what refused the launch', () => {
        const launch: MembersDetail = {
            targets: [], drainingTimeoutS: 5, refused: 'Pool p2: gone',
            members: [{ poolId: 'p1', port: 80, address: '10.0.0.1', name: 'w', id: 'm1', status: 'ACTIVE', drained: true, deleted: true }]
        };
        expect(leavingDetail(launch)).to.equal({ targets: [], drainingTimeoutS: 5, members: [{ ...launch.members[0], drained: false, deleted: false } as MembersDetail['members'][0]] });
    });

    it('reads back what it wrote', () => {
        const detail: MembersDetail = {
            targets: [{ loadBalancerId: 'lb', port: 80 }, { poolId: 'p1', port: 81, subnetId: 's1', weight: 3, cidr: '10.0.0.0/24' }, { poolId: 'p2', port: 82 }],
            drainingTimeoutS: 60, drainFrom: '2030-01-01T00:00:00.000Z', refused: 'no',
            members: [{ poolId: 'p1', port: 81, address: '10.0.0.1', name: 'w', id: 'm1', status: 'ACTIVE', drained: true, deleted: true }, { poolId: 'p2', port: 82, address: '10.0.0.1', name: 'w', id: null, status: null }]
        };
        expect(membersDetailOf(JSON.parse(JSON.stringify(detail)))).to.equal(detail);
    });

    it('reads what is not a detail (a hand-edited row) as an empty stage, and passes over what is not a target or a record', () => {
        expect(membersDetailOf(null)).to.equal({ targets: [], drainingTimeoutS: 0, members: [] });
        expect(membersDetailOf({ targets: 'x', members: {} })).to.equal({ targets: [], drainingTimeoutS: 0, members: [] });
        expect(membersDetailOf({
            targets: [null, { poolId: 'p' }, { port: 80 }, { loadBalancerId: 7, port: 80 }],
            members: [1, { poolId: 'p', port: 80, address: 'a' }, { port: 80, address: 'a', name: 'n' }, { poolId: 'p', port: 80, name: 'n' }, { poolId: 'p', port: '80', address: 'a', name: 'n' }, { poolId: 'p', address: 'a', name: 'n', port: 80, drained: 'yes' }]
        })).to.equal({ targets: [], drainingTimeoutS: 0, members: [{ poolId: 'p', port: 80, address: 'a', name: 'n', id: null, status: null }] });
    });
});
