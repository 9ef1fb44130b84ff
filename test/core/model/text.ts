// What the model calls storable text, and the first check on JSON from outside.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { isRecord } from '../../../core/model/json';
import { unstorable } from '../../../core/model/text';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('storable text', () => {

    it('refuses NUL and lone surrogates, anywhere in the string', () => {
        for (const text of ['\u0000', 'a\u0000b', '\ud83d', 'x\ud83d', '\ude80', '\ude80x', '\ude80\ud83d']) {
            expect(unstorable.test(text), JSON.stringify(text)).to.be.true();
        }
    });

    it('takes any other text, surrogate pairs included', () => {
        for (const text of ['', 'web', 'é', '\ud83d\ude80', 'a\u0001b', '\uffff', '\u202e']) {
            expect(unstorable.test(text), JSON.stringify(text)).to.be.false();
        }
    });
});

describe('isRecord', () => {

    it('is true for a plain object only', () => {
        expect(isRecord({})).to.be.true();
        expect(isRecord({ a: 1 })).to.be.true();
        for (const value of [null, undefined, [], [1], 'x', 1, true]) {
            expect(isRecord(value), JSON.stringify(value)).to.be.false();
        }
    });
});
