// Route validation that names the refused field (plugin/errors.ts).
import type Joi from 'joi';
import type { RouteOptionsValidate } from '@hapi/hapi';
import { validationFailed } from '../errors';

// Path and query arrive as text and are converted; a JSON body is taken as
// written, so "60" is not a cooldown and "5" stays the string the customer sent.
export const validate = (parts: { params?: Joi.ObjectSchema; query?: Joi.ObjectSchema; payload?: Joi.Schema }): RouteOptionsValidate => ({
    ...parts,
    ...(parts.payload ? { payload: parts.payload.prefs({ convert: false }) } : {}),
    options: { abortEarly: true, convert: true },
    failAction: validationFailed
});
