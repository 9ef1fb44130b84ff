// hapi's router answers 400 in its own shape to a path it cannot
// percent-decode, before any route (or our error rendering) runs. Under our
// prefix such a path gets the contract's error shape instead; a capability
// URL's is sent on as one that cannot exist and answered 202 like every other
// (capabilities are hex: an undecodable one holds none), a workflow
// callback's as an unknown token (404). Mounted without a
// prefix, the host's answer stands.
import type { ServerExtEventsRequestObject } from '@hapi/hapi';
import type { Context } from './context';
import { errorBody } from './errors';

const EXECUTE = '/v1.0/execute/1/';
const CALLBACK = '/v1.0/workflow/1/';

const decodable = (path: string): boolean => {
    try {
        decodeURIComponent(path);
        return true;
    }
    catch {
        return false;
    }
};

export const pathGuard = (context: Context): ServerExtEventsRequestObject => ({
    type: 'onRequest',
    method: (request, h) => {
        const ours = context.prefix !== '' && request.path.startsWith(`${context.prefix}/`);
        if (!ours || decodable(request.path)) {
            return h.continue;
        }

        const capabilities = `${context.prefix}${EXECUTE}`;
        if (request.path.startsWith(capabilities)) {
            request.setUrl(`${capabilities}-/`);
            return h.continue;
        }

        // A callback token is hex too: an undecodable one names no delivery (404).
        const callbacks = `${context.prefix}${CALLBACK}`;
        if (request.path.startsWith(callbacks)) {
            request.setUrl(`${callbacks}-`);
            return h.continue;
        }

        return h.response(errorBody(400, 'ValidationError', 'The request path is not valid percent-encoding', { field: 'path' })).code(400).takeover();
    }
});
