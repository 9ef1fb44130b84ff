// The body of a Keystone v3 token answer (POST or GET /v3/auth/tokens), checked
// with joi and turned into plain typed values.
import Joi from 'joi';
import type { Catalog } from './catalog';

export interface TokenBody {
    readonly userId: string;
    readonly userName: string;
    readonly projectId: string | null;     // null: unscoped, or scoped to a domain or the system
    readonly projectName: string | null;
    readonly roles: readonly string[];
    readonly issuedAt: Date | null;
    readonly expiresAt: Date;
    readonly catalog: Catalog;
}

interface RawEndpoint { interface: string; region?: string; region_id?: string; url: string }
interface RawService { type: string; name?: string; endpoints: RawEndpoint[] }
interface RawToken {
    token: {
        user: { id: string; name?: string };
        project?: { id: string; name?: string };
        roles?: Array<{ name: string }>;
        issued_at?: string;
        expires_at: string;
        catalog?: RawService[];
    };
}

const rawEndpoint = Joi.object<RawEndpoint>({
    interface: Joi.string().required(),
    region: Joi.string().allow(null, ''),
    region_id: Joi.string().allow(null, ''),
    url: Joi.string().required()
}).unknown();

const rawService = Joi.object<RawService>({
    type: Joi.string().required(),
    name: Joi.string().allow(''),
    endpoints: Joi.array().items(rawEndpoint).required()
}).unknown();

const rawToken = Joi.object<RawToken>({
    token: Joi.object({
        user: Joi.object({ id: Joi.string().required(), name: Joi.string().allow('') }).unknown().required(),
        project: Joi.object({ id: Joi.string().required(), name: Joi.string().allow('') }).unknown(),
        roles: Joi.array().items(Joi.object({ name: Joi.string().required() }).unknown()),
        issued_at: Joi.string(),
        expires_at: Joi.string().required(),
        catalog: Joi.array().items(rawService)
    }).unknown().required()
}).unknown();

// Error text names what was wrong; null body → a message too.
export const parseTokenBody = (json: unknown): TokenBody | string => {
    const { error, value } = rawToken.validate(json);
    if (error !== undefined) {
        return error.message;
    }

    const token = value.token;
    const expiresAt = parseKeystoneTime(token.expires_at);
    if (expiresAt === null) {
        return `token.expires_at is not a time: "${token.expires_at}"`;
    }

    return {
        userId: token.user.id,
        userName: token.user.name ?? '',
        projectId: token.project?.id ?? null,
        projectName: token.project?.name ?? null,
        roles: (token.roles ?? []).map((role) => role.name),
        issuedAt: token.issued_at === undefined ? null : parseKeystoneTime(token.issued_at),
        expiresAt,
        catalog: (token.catalog ?? []).map((service) => ({
            type: service.type,
            ...(service.name === undefined ? {} : { name: service.name }),
            endpoints: service.endpoints.map((endpoint) => ({
                interface: endpoint.interface,
                url: endpoint.url,
                ...(endpoint.region ? { region: endpoint.region } : {}),
                ...(endpoint.region_id ? { regionId: endpoint.region_id } : {})
            }))
        }))
    };
};

// Keystone writes UTC with microseconds ("2026-11-25T13:13:08.000000Z"); a time
// without a zone is UTC too, not the host's local time.
export const parseKeystoneTime = (text: string): Date | null => {
    const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
    const date = new Date(zoned);
    return Number.isNaN(date.getTime()) ? null : date;
};
