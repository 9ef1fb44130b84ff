// The demo host's logger: hapi-pino writing JSON lines (stdout unless told
// otherwise), the plugin's events among them at the level their last tag
// names. A request line never shows a credential: the capability of a
// webhook URL and the token of a workflow callback are cut from the path,
// query values other than the API's own are redacted, and so are the
// headers that carry tokens (plugin/log-redaction.ts). Neither the request's
// path parameters nor its payload are logged.
import type { Request, ServerRegisterPluginObject } from '@hapi/hapi';
import hapiPino from 'hapi-pino';
import pino, { type DestinationStream, type Level } from 'pino';
import type { ServerResponse } from 'node:http';
import { loggableHeaders, loggablePath, REDACTED, SECRET_HEADERS } from '../plugin';

export interface DemoLoggerOptions {
    readonly destination?: DestinationStream;   // default: stdout
    readonly level?: Level;                      // default: info
}

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

const urlOf = (request: Request): string => `${request.path}${request.url.search}`;

// The request as a line shows it: hapi's request itself comes in (hapi-pino
// binds it to each request's logger), and only these fields go out.
const requestOf = (request: Request) => ({
    id: request.info.id,
    method: request.method.toUpperCase(),
    url: loggablePath(urlOf(request)),
    remoteAddress: request.info.remoteAddress,
    headers: loggableHeaders(request.headers)
});

const responseOf = (res: ServerResponse) => ({ statusCode: res.statusCode, headers: loggableHeaders(res.getHeaders()) });

// The same headers again as pino's own redaction, should a line carry them some other way.
const redactPaths = SECRET_HEADERS.flatMap((name) => [`req.headers["${name}"]`, `res.headers["${name}"]`]);

export const demoLogger = (options: DemoLoggerOptions = {}): ServerRegisterPluginObject<hapiPino.Options> => ({
    plugin: hapiPino,
    options: {
        instance: pino({
            level: options.level ?? 'info',
            serializers: { req: requestOf, res: responseOf, err: pino.stdSerializers.err },
            redact: { paths: redactPaths, censor: REDACTED }
        }, options.destination ?? pino.destination(1)),
        customRequestCompleteMessage: (request, ms) =>
            `[response] ${request.method.toUpperCase()} ${loggablePath(urlOf(request))} ${request.raw.res.headersSent ? request.raw.res.statusCode : '-'} (${ms}ms)`
    }
});
