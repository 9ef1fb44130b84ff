// A request body that stops arriving is answered 408 within the plugin's
// bodyTimeoutMs, on every route of the plugin, and its connection closed.
// hapi's own payload.timeout does not do it: after its timer fires it waits
// for the rest of the body before answering (route.js drains the request),
// so a client that sends headers and stalls is held until Node's own
// requestTimeout (300 s); and a route that reads its body as a stream (the
// capability URL) has no timer at all. Only our own routes' options can be
// set from a plugin, so the watch is a route-level extension of the plugin.
import Boom from '@hapi/boom';
import type { Request, RouteOptions, Server, ServerExtEventsRequestObject, ServerRoute } from '@hapi/hapi';
import type { Scheduler } from '../core/ports/scheduler';

// Every route that may read a body gets hapi's timer too: it still answers a
// body that only starts to be read after the watch below has fired (a slow
// authentication), and then nothing is left to wait for.
export const withBodyTimeout = (routes: readonly ServerRoute[], timeoutMs: number): ServerRoute[] => routes.map((route) => {
    const methods = [route.method].flat().map((m) => m.toLowerCase());
    if (methods.includes('get') || methods.includes('head')) {
        return route;
    }

    const timed = (options: RouteOptions = {}): RouteOptions => ({ ...options, payload: { ...options.payload, timeout: timeoutMs } });
    const { options } = route;
    return { ...route, options: typeof options === 'function' ? (server: Server) => timed(options(server)) : timed(options) };
});

export const bodyTimeoutError = (timeoutMs: number): Boom.Boom =>
    Boom.clientTimeout(`The request body did not arrive within ${timeoutMs} ms`);

// From the moment the route is known: if the body is still incomplete when
// the time is up, the request stream fails with a 408. Every reader of a body
// sees that error (hapi's payload parser, its drain of an unread body, the
// capability route's own reader), so the request is answered at once; the
// answer closes the connection (plugin/errors.ts).
export const bodyTimeout = (timeoutMs: number, scheduler: Scheduler): ServerExtEventsRequestObject => ({
    type: 'onPreAuth',
    method: (request, h) => {
        const { req, res } = request.raw;
        // An injected request's body is given whole (hapi has isInjected, its types do not);
        // GET and HEAD bodies are never read.
        if ((request as Request & { readonly isInjected: boolean }).isInjected || request.method === 'get' || request.method === 'head' || req.complete) {
            return h.continue;
        }

        const timer = scheduler.after(timeoutMs, () => {
            if (!req.complete && !res.headersSent) {
                req.emit('error', bodyTimeoutError(timeoutMs));
            }
        });
        const done = (): void => timer.cancel();
        req.once('end', done);
        res.once('close', done);
        return h.continue;
    },
    options: { sandbox: 'plugin' }
});
