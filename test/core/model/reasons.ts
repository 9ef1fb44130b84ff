// docs/reasons.md documents exactly the reasons a row can carry: its table of
// reason codes names each code of core/model/activity.ts `reasons` once, and
// nothing else.
import * as Fs from 'node:fs';
import * as Path from 'node:path';
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { reasons } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const doc = Fs.readFileSync(Path.join(__dirname, '..', '..', '..', 'docs', 'reasons.md'), 'utf8');

const cells = (line: string): string[] => line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());

// The first column of the table whose header's first cell is `reason`: one
// backticked code per row. A blank line or any other line ends a table.
const documentedCodes = (markdown: string): string[] => {
    const lines = markdown.split('\n');
    const headers = lines.flatMap((line, i) => (line.trim().startsWith('|') && cells(line)[0] === 'reason' ? [i] : []));
    if (headers.length !== 1) {
        throw new Error(`expected one table of reason codes, found ${headers.length}`);
    }

    const codes: string[] = [];
    for (const line of lines.slice((headers[0] ?? 0) + 2)) {
        if (!line.trim().startsWith('|')) {
            break;
        }

        const first = cells(line)[0] ?? '';
        const code = /^`([a-z_]+)`$/.exec(first)?.[1];
        if (code === undefined) {
            throw new Error(`a row whose first cell is not one reason code: ${line}`);
        }

        codes.push(code);
    }

    return codes;
};

describe('docs/reasons.md', () => {

    it('documents every reason of the Reason union, each once, and no other', () => {
        const codes = documentedCodes(doc);
        const seen = new Set<string>();
        const twice = codes.filter((code) => seen.has(code) || !seen.add(code));
        expect(twice, 'documented twice').to.equal([]);
        expect(reasons.filter((code) => !seen.has(code)), 'in the union, missing from the doc').to.equal([]);
        expect(codes.filter((code) => !reasons.includes(code)), 'in the doc, not in the union').to.equal([]);
        expect(codes.length).to.equal(reasons.length);
    });

    it('reads the table as a reader sees it: a blank line ends it, a row that is not one code fails', () => {
        const table = (...rows: string[]) => ['| reason | rows | meaning |', '| --- | --- | --- |', ...rows].join('\n');
        expect(documentedCodes(table('| `policy` | x | y |', '| `forced` | x | y |'))).to.equal(['policy', 'forced']);
        expect(documentedCodes(table('| `policy` | x | y |', '', '| `forced` | x | y |'))).to.equal(['policy']);
        expect(() => documentedCodes(table('| `at_max` / `at_min` | x | y |'))).to.throw(/not one reason code/);
        expect(() => documentedCodes('no table')).to.throw(/found 0/);
        expect(() => documentedCodes(`${table()}\n\n${table()}`)).to.throw(/found 2/);
    });
});
