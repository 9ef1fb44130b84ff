// Fault injection: a list of rules checked, in order, before a request is
// handled. The first rule that matches applies and uses up one of its `times`.
import { STATUS_CODES } from 'node:http';
import { glanceErrorText, keystoneErrorBody, neutronErrorBody, novaErrorBody, octaviaErrorBody } from '../http/errors';
import type { SimResponse } from '../http/messages';
import { SimInputError } from '../model/sim-error';
import type { FaultInfo, FaultRule, Service } from '../model/types';

interface ActiveFault {
    readonly id: string;
    readonly rule: FaultRule;
    remaining: number | null;
}

export interface AppliedFault {
    readonly id: string;
    readonly rule: FaultRule;
}

export interface FaultHandle {
    readonly id: string;
    remove(): boolean;
}

// The compute outage keeps its plain id; another service's is 'outage:<service>'.
export const outageId = (service: Service): string => service === 'compute' ? 'outage' : `outage:${service}`;

export interface OutageOptions {
    readonly retryAfterS?: number;
    readonly service?: Service;                      // default 'compute'
}

export class FaultList {
    private faults: ActiveFault[] = [];
    private seq = 0;

    add(rule: FaultRule): FaultHandle {
        checkRule(rule);
        const id = `f${++this.seq}`;
        this.faults.push({ id, rule, remaining: rule.times ?? null });
        return { id, remove: () => this.remove(id) };
    }

    remove(id: string): boolean {
        const before = this.faults.length;
        this.faults = this.faults.filter((f) => f.id !== id);
        return this.faults.length < before;
    }

    clear(): void {
        this.faults = [];
    }

    // Every call to the service (compute unless named) answers 503 while on; it goes ahead of the other rules.
    outage(on: boolean, options: OutageOptions = {}): void {
        const service = options.service ?? 'compute';
        const id = outageId(service);
        this.remove(id);
        if (on) {
            const headers: Record<string, string> = options.retryAfterS === undefined ? {} : { 'Retry-After': String(options.retryAfterS) };
            const rule: FaultRule = { service, status: 503, headers };
            checkRule(rule);
            this.faults.unshift({ id, rule, remaining: null });
        }
    }

    list(): FaultInfo[] {
        return this.faults.map((f) => ({ id: f.id, rule: f.rule, remaining: f.remaining }));
    }

    // The rule that applies to this request, counted as used; null when none does.
    take(service: Service, method: string, path: string): AppliedFault | null {
        const fault = this.faults.find((f) => matches(f.rule, service, method, path));
        if (!fault) {
            return null;
        }

        if (fault.remaining !== null) {
            fault.remaining -= 1;
            if (fault.remaining <= 0) {
                this.remove(fault.id);
            }
        }

        return { id: fault.id, rule: fault.rule };
    }
}

const matches = (rule: FaultRule, service: Service, method: string, path: string): boolean => {
    if (rule.service !== undefined && rule.service !== service) {
        return false;
    }

    if (rule.method !== undefined && rule.method.toUpperCase() !== method) {
        return false;
    }

    if (rule.path === undefined) {
        return true;
    }

    if (typeof rule.path === 'string') {
        return rule.path === path;
    }

    rule.path.lastIndex = 0; // a /g or /y regex would otherwise carry state from one request to the next
    return rule.path.test(path);
};

const checkRule = (rule: FaultRule): void => {
    const count = (name: string, value: number | undefined): void => {
        if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
            throw new SimInputError(`fault ${name} must be a non-negative integer`);
        }
    };

    count('times', rule.times);
    count('delayMs', rule.delayMs);
    if (rule.status !== undefined && (!Number.isInteger(rule.status) || rule.status < 200 || rule.status > 599)) {
        throw new SimInputError('fault status must be an HTTP status from 200 to 599');
    }
};

// Whether the request is handled as usual (its effects happen) before the rule
// delays, hangs or rewrites the answer: passThrough rules, and rules that only
// delay or add headers. A hang or a status without passThrough is never handled.
export const handlesFirst = (rule: FaultRule): boolean => rule.passThrough === true || (rule.status === undefined && rule.hang !== true);

// The answer a fault gives: its own (handled is null), or the handled one with
// the rule's status, body and headers laid over it.
export const faultResponse = (service: Service, rule: FaultRule, handled: SimResponse | null): SimResponse => {
    // An unhandled request always has a rule status; 500 only satisfies the types.
    const status = rule.status ?? handled?.status ?? 500; // $lab:coverage:ignore$
    const headers = { ...handled?.headers, ...rule.headers };
    const out: SimResponse = { status, headers };
    if (rule.body === null) {
        return out;
    }

    if (typeof rule.body === 'string') {
        return { ...out, text: rule.body };
    }

    if (rule.body !== undefined) {
        return { ...out, json: rule.body };
    }

    // No body given: a changed error status gets the service's own error body; otherwise keep what was handled.
    if (status >= 400 && status !== handled?.status) {
        return { ...out, ...errorBody(service, status, `Injected fault: ${STATUS_CODES[status] ?? 'error'}`, headers) };
    }

    return handled ? { ...out, json: handled.json, text: handled.text } : out;
};

// An answer for a bug in a handler, in the service's own error shape.
/* $lab:coverage:off$ */ // only a bug reaches it
export const unexpectedError = (service: Service, message: string): SimResponse => ({ status: 500, headers: {}, ...errorBody(service, 500, message, {}) });
/* $lab:coverage:on$ */

// Neutron's error type for a status it answers on its own (webob's exception names).
const NEUTRON_TYPES: Readonly<Record<number, string>> = { 413: 'HTTPRequestEntityTooLarge', 429: 'HTTPTooManyRequests', 500: 'HTTPInternalServerError', 503: 'HTTPServiceUnavailable' };

const errorBody = (service: Service, status: number, message: string, headers: Readonly<Record<string, string>>): Pick<SimResponse, 'json' | 'text'> => {
    switch (service) {
        case 'identity':
            return { json: keystoneErrorBody(status, message) };
        case 'image':
            return { text: glanceErrorText(status, message) };
        case 'network':
            return { json: neutronErrorBody(NEUTRON_TYPES[status] ?? 'HTTPError', message) };
        case 'load-balancer':
            return { json: octaviaErrorBody(status, message) };
        case 'compute': {
            // Nova puts the Retry-After value in an overLimit body too.
            const retryAfter = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
            return { json: novaErrorBody(status, message, retryAfter !== undefined && (status === 413 || status === 429) ? { retryAfter } : {}) };
        }
    }
};
