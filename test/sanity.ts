import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { TenantId } from '../core/model/ids';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('ids', () => {
    it('brands a string without changing it', () => {
        expect(TenantId('t1')).to.equal('t1');
    });
});
