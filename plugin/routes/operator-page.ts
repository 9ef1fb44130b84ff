// The operator page (contract §10): one HTML page, its script and its
// stylesheet (plugin/ui), read once at register and served as they are. They
// take no token: the page asks for one and sends it with each API call.
import type { ServerRoute } from '@hapi/hapi';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPERATOR_PAGE = '/admin/ui';

// Only the page's own files and API: no inline script or style, nothing from
// elsewhere, no framing, and no form that sends itself (a token in a URL).
export const OPERATOR_PAGE_CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

const files: readonly { readonly path: string; readonly file: string; readonly type: string }[] = [
    { path: OPERATOR_PAGE, file: 'index.html', type: 'text/html; charset=utf-8' },
    { path: `${OPERATOR_PAGE}/app.js`, file: 'app.js', type: 'text/javascript; charset=utf-8' },
    { path: `${OPERATOR_PAGE}/app.css`, file: 'app.css', type: 'text/css; charset=utf-8' }
];

// plugin/ui beside plugin/routes, in the source tree and in dist/ alike
// (npm run build copies it: scripts/copy-ui.js).
export const uiDirectory = join(__dirname, '..', 'ui');

const read = (dir: string, file: string): Buffer => {
    try {
        return readFileSync(join(dir, file));
    }
    catch (err) {
        throw new Error(`The operator page's ${file} is not in ${dir} (npm run build copies plugin/ui there): ${(err as Error).message}`);
    }
};

export const operatorPageRoutes = (dir: string = uiDirectory): ServerRoute[] => files.map(({ path, file, type }) => {
    const body = read(dir, file);
    return {
        method: 'GET',
        path,
        options: { auth: false, security: { hsts: false, xframe: 'deny', xss: 'disabled', noOpen: true, noSniff: true, referrer: 'no-referrer' } },
        // Never cached: a page changed by an upgrade must not meet an older script.
        handler: (_request, h) => h.response(body).type(type).header('content-security-policy', OPERATOR_PAGE_CSP).header('cache-control', 'no-store')
    };
});
