// One HTTP exchange with Nova, failing as ComputeError (adapters/http/service-call.ts).
import { ComputeError } from '../../core/model/server';
import type { Answer } from '../http/exchange';
import { serviceCall, type ServiceCall, type ServiceErrors } from '../http/service-call';

export type NovaCall = ServiceCall;
export type NovaAnswer = Answer;

export const nova: ServiceErrors = { name: 'Nova', fail: (kind, message, status = null) => new ComputeError(kind, message, status) };

export const novaCall = (call: NovaCall): Promise<NovaAnswer> => serviceCall(nova, call);
