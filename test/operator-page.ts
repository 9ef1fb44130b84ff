// GET /autoscale/admin/ui (plugin/routes/operator-page.ts, contract §10): the
// page, its script and its stylesheet, served to anyone with their own types,
// a strict Content-Security-Policy and no caching; the page asks for nothing
// from another origin, and the build puts its files where dist/ reads them.
// The page at work in a browser: test/operator-page-browser.ts.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import type Hapi from '@hapi/hapi';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATOR_PAGE_CSP, operatorPageRoutes, uiDirectory } from '../plugin/routes/operator-page';
import { tableValidator } from './support/identity';
import { testServer } from './support/server';

const { describe, it, before, after } = exports.lab = Lab.script();
const { expect } = Code;

const root = join(__dirname, '..');

describe('operator page routes', () => {
    let server: Hapi.Server;

    before(async () => {
        server = await testServer({ validator: tableValidator({}) });
    });

    after(() => server.stop());

    const files = [
        { url: '/autoscale/admin/ui', type: 'text/html; charset=utf-8', file: 'index.html' },
        { url: '/autoscale/admin/ui/app.js', type: 'text/javascript; charset=utf-8', file: 'app.js' },
        { url: '/autoscale/admin/ui/app.css', type: 'text/css; charset=utf-8', file: 'app.css' }
    ];

    it('serves the page, its script and its stylesheet to anyone, as they are in plugin/ui, with a strict CSP and no caching', async () => {
        for (const { url, type, file } of files) {
            // No token, a bad one: the files are the same; the API calls carry the token.
            for (const headers of [{}, { 'x-auth-token': 'not-a-token' }]) {
                const res = await server.inject({ url, headers });
                expect(res.statusCode, url).to.equal(200);
                expect(res.headers['content-type']).to.equal(type);
                expect(res.headers['content-security-policy']).to.equal(OPERATOR_PAGE_CSP);
                expect(res.headers['cache-control']).to.equal('no-store');
                expect(res.headers['x-content-type-options']).to.equal('nosniff');
                expect(res.headers['x-frame-options']).to.equal('DENY');
                expect(res.headers['referrer-policy']).to.equal('no-referrer');
                expect(res.headers['strict-transport-security']).to.not.exist();
                expect(res.rawPayload.equals(readFileSync(join(root, 'plugin/ui', file))), url).to.be.true();
            }
        }

        expect(OPERATOR_PAGE_CSP).to.startWith("default-src 'self';");
        expect(OPERATOR_PAGE_CSP).to.not.contain('unsafe');
    });

    it('asks only for files of its own, each served, and holds no inline script or style the CSP would block', async () => {
        const html = (await server.inject('/autoscale/admin/ui')).payload;
        const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1] ?? '');
        expect(refs.sort()).to.equal(['ui/app.css', 'ui/app.js']);
        for (const ref of refs) {
            // Relative: no scheme, no other host; resolved against the page's own URL.
            expect(ref).to.not.match(/^[a-z][a-z0-9+.-]*:|^\/\//i);
            const at = new URL(ref, 'http://127.0.0.1/autoscale/admin/ui');
            expect((await server.inject(at.pathname)).statusCode, ref).to.equal(200);
        }

        expect([...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1])).to.equal(['']);
        expect(html).to.not.match(/<style\b|\sstyle\s*=|\son[a-z]+\s*=/i);
        const script = readFileSync(join(root, 'plugin/ui/app.js'), 'utf8');
        const css = readFileSync(join(root, 'plugin/ui/app.css'), 'utf8');
        expect(script).to.not.match(/https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
        expect(script).to.not.match(/\binnerHTML\b|\beval\(|new Function/);
        expect(css).to.not.match(/url\(|@import|@font-face/i);
    });

    it('answers only GET (and HEAD): anything else is the contract\'s 404', async () => {
        expect((await server.inject({ method: 'HEAD', url: '/autoscale/admin/ui' })).statusCode).to.equal(200);
        const post = await server.inject({ method: 'POST', url: '/autoscale/admin/ui', payload: {} });
        expect(post.statusCode).to.equal(404);
        expect(JSON.parse(post.payload)).to.equal({ error: { code: 404, type: 'NotFoundError', message: 'No route POST /autoscale/admin/ui', details: {} } });
        expect((await server.inject('/autoscale/admin/ui/other.js')).statusCode).to.equal(404);
    });

    it('refuses to register without its files, naming where it looked', () => {
        const empty = mkdtempSync(join(tmpdir(), 'operator-page-'));
        try {
            expect(() => operatorPageRoutes(empty)).to.throw(new RegExp(`^The operator page's index.html is not in ${empty} \\(npm run build copies plugin/ui there\\)`));
        }
        finally {
            rmSync(empty, { recursive: true, force: true });
        }
    });

    it('is copied by the build to where the compiled plugin reads it', () => {
        const out = mkdtempSync(join(tmpdir(), 'operator-page-dist-'));
        try {
            const copy = spawnSync(process.execPath, [join(root, 'scripts/copy-ui.js'), out], { encoding: 'utf8' });
            expect(copy.status, copy.stderr).to.equal(0);
            // dist/plugin/routes/operator-page.js reads ../ui: dist/plugin/ui.
            expect(uiDirectory).to.equal(join(root, 'plugin', 'ui'));
            const copied = join(out, 'plugin', 'ui');
            expect(readdirSync(copied).sort()).to.equal(readdirSync(uiDirectory).sort());
            for (const { file } of files) {
                expect(readFileSync(join(copied, file)).equals(readFileSync(join(uiDirectory, file))), file).to.be.true();
            }

            expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.build).to.contain('node scripts/copy-ui.js');
        }
        finally {
            rmSync(out, { recursive: true, force: true });
        }
    });
});
