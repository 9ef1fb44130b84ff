// The loopback HTTP server: splits the path by service, logs the request,
// applies the first matching fault, and hands the rest to the service.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimAdmin } from './control/admin';
import { handleControl } from './control/handler';
import { scopedCaller } from './http/caller';
import { faultResponse, handlesFirst, unexpectedError } from './control/faults';
import { handleImage } from './glance/handler';
import { BodyTooLarge, header, json, parseJson, queryObject, readBody, send, type SimRequest, type SimResponse } from './http/messages';
import { handleIdentity } from './keystone/handler';
import { handleNetwork } from './neutron/handler';
import { handleLoadBalancer } from './octavia/handler';
import { requestedMicroversion } from './nova/microversion';
import { handleCompute } from './nova/handler';
import type { SimState } from './model/state';
import type { RequestLogEntry, Service } from './model/types';

// Where each service is mounted. Glance's, Neutron's and Octavia's catalog URLs
// are their roots (clients add /v2, /v2.0 and /v2), as a devstack cloud lists them.
const PREFIXES: readonly (readonly [Service | 'control', string])[] = [
    ['identity', '/identity/v3'],
    ['compute', '/compute/v2.1'],
    ['image', '/image'],
    ['network', '/networking'],
    ['load-balancer', '/load-balancer'],
    ['control', '/_sim']
];

const HANDLERS: Readonly<Record<Service, (state: SimState, req: SimRequest) => Promise<SimResponse>>> = {
    identity: handleIdentity,
    compute: handleCompute,
    image: handleImage,
    network: handleNetwork,
    'load-balancer': handleLoadBalancer
};

// A service left out of the catalog is not deployed at all.
const deployed = (state: SimState, service: Service | 'control'): boolean => {
    const { services } = state.config;
    switch (service) {
        case 'image': return services.image;
        case 'network': return services.network;
        case 'load-balancer': return services.loadBalancer;
        default: return true;
    }
};

export interface Listening {
    readonly port: number;
    close(): Promise<void>;
}

// A certificate and its key (PEM): the simulator answers over HTTPS, as a private cloud does.
export interface SimTls {
    readonly cert: string;
    readonly key: string;
}

export const listen = async (state: SimState, admin: SimAdmin, port: number, tls?: SimTls): Promise<Listening> => {
    const stopping = new AbortController(); // releases delayed and hanging requests on close
    setMaxListeners(0, stopping.signal);     // one listener per request held back, and a benchmark may hold many
    const listener: RequestListener = (req, res) => {
        onRequest(state, admin, stopping.signal, req, res).catch((err: unknown) => {
            // A bug in a handler: answer 500 rather than leave the client waiting.
            if (!res.headersSent) { // $lab:coverage:ignore$
                send(res, json(500, { error: String(err) }), req.method as string);
            }
        });
    };
    const server: Server = tls === undefined ? createServer(listener) : createTlsServer({ cert: tls.cert, key: tls.key }, listener);

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
    });

    let closed: Promise<void> | null = null;
    return {
        port: (server.address() as AddressInfo).port,
        close: () => {
            closed ??= new Promise<void>((resolve) => {
                stopping.abort();
                server.close(() => resolve());
                server.closeAllConnections();
            });
            return closed;
        }
    };
};

const splitPath = (pathname: string): { readonly service: Service | 'control'; readonly path: string } | null => {
    for (const [service, prefix] of PREFIXES) {
        if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
            return { service, path: pathname.slice(prefix.length) || '/' };
        }
    }

    return null;
};

const onRequest = async (state: SimState, admin: SimAdmin, stopping: AbortSignal, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method as string; // always set on a server's request
    const url = new URL(req.url as string, 'http://sim');
    let rawBody: string;
    try {
        rawBody = await readBody(req);
    }
    catch (err) {
        if (err instanceof BodyTooLarge) {
            return send(res, json(413, { error: err.message }), method);
        }

        throw err;
    }

    const target = splitPath(url.pathname);
    if (!target || !deployed(state, target.service)) {
        return send(res, json(404, { error: `nothing at ${url.pathname}` }), method);
    }

    const simReq: SimRequest = {
        method,
        path: target.path,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        origin: `http://${req.headers.host ?? new URL(state.endpoints.origin).host}`
    };
    if (target.service === 'control') {
        return send(res, await handleControl(state, admin, simReq), method);
    }

    const response = await serve(state, stopping, target.service, simReq, res);
    if (response) {
        send(res, response, method);
    }
};

// The answer to a service request, or null when none is to be sent (a hang, or the simulator stopping).
const serve = async (state: SimState, stopping: AbortSignal, service: Service, req: SimRequest, res: ServerResponse): Promise<SimResponse | null> => {
    const entry = logEntry(state, service, req);
    state.requests.push(entry);
    const fault = state.faults.take(service, req.method, req.path);
    if (fault) {
        entry.fault = fault.id;
    }

    const handled = !fault || handlesFirst(fault.rule) ? await handle(state, service, req) : null;
    if (fault?.rule.hang) {
        await untilClosed(stopping, res);
        return null;
    }

    if (fault?.rule.delayMs) {
        try {
            await sleep(fault.rule.delayMs, undefined, { signal: stopping });
        }
        catch {
            return null; // stopping
        }
    }

    const response = fault ? faultResponse(service, fault.rule, handled) : handled as SimResponse;
    entry.status = response.status;
    return withRequestId(service, response, entry.requestId);
};

// Every answer names its request as OpenStack's services do (oslo's request
// id middleware); Nova also under its older header.
const withRequestId = (service: Service, response: SimResponse, requestId: string): SimResponse => ({
    ...response,
    headers: { ...response.headers, 'x-openstack-request-id': requestId, ...(service === 'compute' ? { 'x-compute-request-id': requestId } : {}) }
});

const handle = async (state: SimState, service: Service, req: SimRequest): Promise<SimResponse> => {
    try {
        return await HANDLERS[service](state, req);
    }
    catch (err) {
        /* $lab:coverage:off$ */ // a bug in a handler: answer as the service would, and log it as a 500
        return unexpectedError(service, `Unexpected error in the simulator: ${String(err)}`);
        /* $lab:coverage:on$ */
    }
};

const logEntry = (state: SimState, service: Service, req: SimRequest): RequestLogEntry => {
    const parsed = parseJson(req.rawBody);
    const userAgent = header(req, 'user-agent');
    return {
        service,
        method: req.method,
        path: req.path,
        query: queryObject(req.query),
        status: 0,
        requestId: `req-${randomUUID()}`,
        ...(userAgent === undefined ? {} : { userAgent }),
        ...(service === 'compute' ? { microversion: requestedMicroversion(req) } : {}),
        ...(service === 'identity' ? {} : { projectId: scopedCaller(state, req)?.project.id ?? null }),
        ...(parsed.ok && parsed.value !== undefined ? { body: parsed.value } : {}),
        at: state.now()
    };
};

// A hanging request waits for the simulator to stop, or for its client to give up.
const untilClosed = (stopping: AbortSignal, res: ServerResponse): Promise<void> => {
    return new Promise<void>((resolve) => {
        /* $lab:coverage:off$ */ // stopped while the request was being handled
        if (stopping.aborted) {
            return resolve();
        }
        /* $lab:coverage:on$ */

        const done = (): void => {
            stopping.removeEventListener('abort', done);
            res.off('close', done);
            resolve();
        };
        stopping.addEventListener('abort', done, { once: true });
        res.once('close', done);
    });
};
