// A customer webhook's callback (contract §7 "Completion"): the anonymous
// POST /v1.0/workflow/1/{token} with {"result": "continue"|"abandon"|"heartbeat"}.
// 204 when taken, 409 once the delivery has ended, 404 for a token no
// delivery has. The token is looked up by its SHA-256 whatever it looks like,
// so a malformed one costs what a real one does; the body is small and
// bounded, and one that stops arriving is answered 408 (plugin/body-timeout.ts).
import type { ServerRoute } from '@hapi/hapi';
import Joi from 'joi';
import { DomainError } from '../../core/model/errors';
import type { Context } from '../context';
import { validate } from './validate';

// {"result":"heartbeat"} is 20 bytes; room for whitespace, none for a payload of its own.
export const CALLBACK_MAX_BYTES = 1024;

const body = Joi.object({
    result: Joi.string().valid('continue', 'abandon', 'heartbeat').required()
}).required().label('callback');

// What is looked up for a token past any a delivery has: it finds nothing.
const tokenOf = (raw: unknown): string => (typeof raw === 'string' && raw.length <= 256 ? raw : '-');

export const workflowCallbackRoutes = (context: Context): ServerRoute[] => [{
    method: 'POST',
    path: '/v1.0/workflow/1/{token}',
    options: {
        auth: false,
        payload: { parse: true, output: 'data', maxBytes: CALLBACK_MAX_BYTES },
        validate: validate({ payload: body })
    },
    handler: async (request, h) => {
        const { result } = request.payload as { result: 'continue' | 'abandon' | 'heartbeat' };
        const answer = await context.engine.webhooks.callback(tokenOf(request.params.token), result);
        switch (answer) {
            case 'done':
                return h.response().code(204);
            case 'completed':
                throw new DomainError('conflict', 'DeliveryCompletedError', 'This delivery has already ended');
            case 'unknown':
                throw new DomainError('not_found', 'NoSuchDeliveryError', 'No such delivery');
        }
    }
}];
