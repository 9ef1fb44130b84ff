// How a failed exchange is told (adapters/http/meter.ts): a code found on the
// error or its causes, a missed deadline told from a connection that failed.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { DeadlinePassed } from '../../adapters/http/exchange';
import { errorCode, isTimeout } from '../../adapters/http/meter';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const caused = (cause: unknown): Error => new Error('outer', { cause });

describe('the meter\'s reading of a failure', () => {

    it('finds a string code on the error or up to two causes down, and none further or of another type', () => {
        expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).to.equal('ECONNREFUSED');
        expect(errorCode(caused(caused(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))))).to.equal('ETIMEDOUT');
        expect(errorCode(caused(caused(caused(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })))))).to.be.null();
        expect(errorCode(Object.assign(new Error('x'), { code: 42 }))).to.be.null();
        expect(errorCode('a string')).to.be.null();
    });

    it('calls a missed deadline or undici\'s own timers a timeout, anything else not', () => {
        expect(isTimeout(new DeadlinePassed(100))).to.be.true();
        expect(isTimeout(caused(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })))).to.be.true();
        expect(isTimeout(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).to.be.false();
        expect(isTimeout(new Error('no code'))).to.be.false();
    });
});
