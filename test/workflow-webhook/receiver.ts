// A customer's webhook receiver for the tests: a node:http server on loopback
// that records every request it gets (raw body included) and every socket,
// so a test can tell what reached it and whether a connection was let go.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DeliveryAttempt } from '../../adapters/workflow-webhook/deliver';
import { secret } from './fixtures';

export interface Seen {
    readonly method: string;
    readonly url: string;
    readonly headers: IncomingHttpHeaders;
    readonly body: Buffer;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export interface Receiver {
    readonly port: number;
    readonly host: string;
    readonly seen: Seen[];
    readonly sockets: Socket[];
    url(path?: string): string;
    // Resolves once every socket the receiver accepted is closed, or false after waitMs.
    allClosed(waitMs: number): Promise<boolean>;
    close(): Promise<void>;
}

export const startReceiver = async (handler: Handler, host = '127.0.0.1'): Promise<Receiver> => {
    const seen: Seen[] = [];
    const sockets: Socket[] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
            const body = Buffer.concat(chunks);
            seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
            handler(req, res, body);
        });
    });
    server.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    const bracketed = host.includes(':') ? `[${host}]` : host;

    return {
        port,
        host,
        seen,
        sockets,
        url: (path = '/hook') => `http://${bracketed}:${port}${path}`,
        allClosed: async (waitMs) => {
            const until = Date.now() + waitMs;
            while (sockets.some((s) => !s.destroyed) && Date.now() < until) {
                await new Promise((resolve) => setTimeout(resolve, 10));
            }

            return sockets.every((s) => s.destroyed);
        },
        close: async () => {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    };
};

export const reply = (status: number, body = '', headers: Record<string, string> = {}): Handler => (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
};

export const attemptTo = (url: string, overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
    url,
    deliveryId: 'dlv-0001',
    secret,
    body: JSON.stringify({ event: 'launch', deliveryId: 'dlv-0001', tenantId: 't-1', groupId: 'g-1', server: { id: 's-1', name: 'web-1', addresses: {}, metadata: {} }, deadline: '2030-01-01T00:00:00Z', callbackUrl: 'https://autoscale.example/autoscale/v1.0/workflow/1/abc' }),
    now: new Date(),
    ...overrides
});
