// Route validation that names the refused field (plugin/errors.ts).
import type Joi from 'joi';
import type { RouteOptionsValidate } from '@hapi/hapi';
import { validationFailed } from '../errors';

export const validate = (parts: { params?: Joi.ObjectSchema; query?: Joi.ObjectSchema; payload?: Joi.Schema }): RouteOptionsValidate => ({
    ...parts,
    options: { abortEarly: true, convert: true },
    failAction: validationFailed
});
