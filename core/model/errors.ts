// Domain errors. Core and adapters throw these; plugin/ maps them to HTTP once
// (plugin/errors.ts). The `type` is the stable name clients see.

export type DomainErrorKind =
    | 'bad_request'      // 400
    | 'unauthorized'     // 401
    | 'forbidden'        // 403
    | 'not_found'        // 404
    | 'conflict'         // 409
    | 'limit'            // 422
    | 'unavailable';     // 503

export class DomainError extends Error {
    constructor(
        readonly kind: DomainErrorKind,
        readonly type: string,
        message: string,
        readonly details: Record<string, unknown> = {}
    ) {
        super(message);
        this.name = type;
    }
}

export const notFound = (what: 'group' | 'policy' | 'webhook', id: string): DomainError => {
    const type = { group: 'NoSuchScalingGroupError', policy: 'NoSuchPolicyError', webhook: 'NoSuchWebhookError' }[what];
    return new DomainError('not_found', type, `No such ${what}: ${id}`);
};

export const overLimit = (type: string, message: string, limit: number): DomainError =>
    new DomainError('limit', type, message, { limit });

export const badRequest = (field: string, message: string): DomainError =>
    new DomainError('bad_request', 'ValidationError', message, { field });
