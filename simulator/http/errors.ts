// Error bodies in each service's own shape.
import { STATUS_CODES } from 'node:http';
import { json, type SimResponse } from './messages';

// nova.api.openstack.wsgi.Fault._fault_names
const NOVA_FAULTS: Readonly<Record<number, string>> = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
    409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 501: 'notImplemented',
    503: 'serviceUnavailable'
};

export const novaErrorBody = (status: number, message: string, extra: Record<string, unknown> = {}): unknown => {
    return { [NOVA_FAULTS[status] ?? 'computeFault']: { code: status, message, ...extra } };
};

export const novaError = (status: number, message: string, headers: Record<string, string> = {}): SimResponse => {
    return json(status, novaErrorBody(status, message), headers);
};

export const keystoneErrorBody = (status: number, message: string): unknown => ({ error: { code: status, message, title: STATUS_CODES[status] ?? 'Error' } });

export const keystoneError = (status: number, message: string, headers: Record<string, string> = {}): SimResponse => {
    return json(status, keystoneErrorBody(status, message), headers);
};

export const UNAUTHENTICATED = 'The request you have made requires authentication.';

// keystonemiddleware in front of Nova answers 401 in Keystone's shape, naming where to log in.
export const unauthenticated = (authUrl: string): SimResponse => keystoneError(401, UNAUTHENTICATED, { 'WWW-Authenticate': `Keystone uri="${authUrl}"` });

// Glance answers errors as webob's plain text page: status line, then the explanation.
export const glanceErrorText = (status: number, message: string): string => `${status} ${STATUS_CODES[status] ?? 'Error'}\n\n${message}\n\n   `;

export const glanceError = (status: number, message: string): SimResponse => ({ status, headers: {}, text: glanceErrorText(status, message) });

// Neutron: {"NeutronError": {type, message, detail}}, type the exception's class name.
export const neutronErrorBody = (type: string, message: string): unknown => ({ NeutronError: { type, message, detail: '' } });

export const neutronError = (status: number, type: string, message: string): SimResponse => json(status, neutronErrorBody(type, message));

// Octavia answers through wsme: {"faultcode": "Client"|"Server", "faultstring", "debuginfo": null}.
export const octaviaErrorBody = (status: number, message: string): unknown => ({ faultcode: status < 500 ? 'Client' : 'Server', faultstring: message, debuginfo: null });

export const octaviaError = (status: number, message: string): SimResponse => json(status, octaviaErrorBody(status, message));

// An error Octavia raises outside wsme (while routing, as for a member path
// under a pool that does not exist, or in a hook) is rendered by pecan:
// {code, title, description}. Octavia's own exceptions keep webob's client
// error title, 'Bad Request', whatever their status.
export const pecanError = (status: number, title: string, description: string | null): SimResponse => json(status, { code: status, title, description });
