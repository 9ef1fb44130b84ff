// One HTTP exchange with Octavia, failing as LoadBalancerError (adapters/http/service-call.ts).
import { LoadBalancerError } from '../../core/model/load-balancer';
import type { Answer } from '../http/exchange';
import { serviceCall, type ServiceCall, type ServiceErrors } from '../http/service-call';

export type OctaviaCall = ServiceCall;
export type OctaviaAnswer = Answer;

export const octavia: ServiceErrors = { name: 'Octavia', fail: (kind, message, status = null) => new LoadBalancerError(kind, message, status) };

export const octaviaCall = (call: OctaviaCall): Promise<OctaviaAnswer> => serviceCall(octavia, call);
