// Customer tokens checked with Keystone (GET /v3/auth/tokens) as the service
// account, each valid answer cached until min(token expiry, now + 5 min).
// Invalid answers are not cached at all: concurrent asks still share one
// request, and a flood of garbage tokens cannot push valid ones out of the cache.
import type { Clock } from '../../core/ports/clock';
import type { TokenInfo, TokenValidator } from '../../core/ports/identity';
import { DomainError } from '../../core/model/errors';
import { identityUnavailable, keystoneCall, keystoneMessage } from './http';
import { type KeystoneSession, TOKENS_ROUTE } from './session';
import { parseTokenBody } from './token-body';
import { TokenCache, tokenKey } from './token-cache';

export interface KeystoneTokenValidatorOptions {
    readonly clock?: Clock;                // default: the session's
    readonly maxAgeMs?: number;            // default 5 min (contract §2)
    readonly maxEntries?: number;          // default 10,000
}

export const DEFAULT_MAX_AGE_MS = 5 * 60_000;
export const DEFAULT_MAX_ENTRIES = 10_000;

// Printable ASCII without spaces: anything else cannot be a Keystone token and
// must not reach an HTTP header (undici would throw, which would read as an outage).
const TOKEN_SHAPE = /^[\x21-\x7e]{1,8192}$/;

export class KeystoneTokenValidator implements TokenValidator {
    readonly cache: TokenCache<TokenInfo>;
    private readonly clock: Clock;
    private readonly maxAgeMs: number;
    private readonly inFlight = new Map<string, Promise<TokenInfo | null>>();

    constructor(private readonly session: KeystoneSession, options: KeystoneTokenValidatorOptions = {}) {
        this.clock = options.clock ?? session.clock;
        this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
        this.cache = new TokenCache(options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    }

    async validate(token: string): Promise<TokenInfo | null> {
        if (!TOKEN_SHAPE.test(token)) {
            return null;
        }

        const key = tokenKey(token);
        const cached = this.cache.get(key, this.clock.now().getTime());
        if (cached !== undefined) {
            return cached;
        }

        let pending = this.inFlight.get(key);
        if (pending === undefined) {
            pending = this.ask(key, token).finally(() => this.inFlight.delete(key));
            this.inFlight.set(key, pending);
        }

        return pending;
    }

    private async ask(key: string, token: string): Promise<TokenInfo | null> {
        const url = `${this.session.authUrl}${TOKENS_ROUTE}?nocatalog`;
        const answer = await this.session.withToken((serviceToken) => keystoneCall({
            method: 'GET',
            url,
            route: TOKENS_ROUTE,
            meter: this.session.meter,
            headers: { accept: 'application/json', 'x-auth-token': serviceToken, 'x-subject-token': token },
            timeoutMs: this.session.timeoutMs,
            ...(this.session.dispatcher === undefined ? {} : { dispatcher: this.session.dispatcher })
        }));

        switch (answer.statusCode) {
            case 200: {
                const body = parseTokenBody(answer.json);
                if (typeof body === 'string') {
                    throw identityUnavailable(`Keystone's answer to GET ${url} is not a token: ${body}`);
                }

                const info: TokenInfo = Object.freeze({
                    userId: body.userId,
                    userName: body.userName,
                    projectId: body.projectId,
                    projectName: body.projectName,
                    roles: Object.freeze([...body.roles]),
                    expiresAt: body.expiresAt
                });
                const now = this.clock.now().getTime();
                const until = Math.min(body.expiresAt.getTime(), now + this.maxAgeMs);
                if (until > now) {
                    this.cache.set(key, info, until);
                }

                return info;
            }

            case 404:                       // Keystone's word for expired, revoked or unknown
                return null;
            case 401:                       // a fresh service token was refused too
                throw identityUnavailable(`Keystone refused the service account's token on GET ${url} even after authenticating again`, { status: 401 });
            case 403:
                throw new DomainError('unavailable', 'ServiceAccountForbidden',
                    `The service account may not validate tokens (403 on GET ${url}: ${keystoneMessage(answer)}): give it the admin or service role on its project`,
                    { status: 403 });
            default:
                throw identityUnavailable(`Keystone answered ${answer.statusCode} to GET ${url}: ${keystoneMessage(answer)}`, { status: answer.statusCode });
        }
    }
}
