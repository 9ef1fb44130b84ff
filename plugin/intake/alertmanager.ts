// What a capability URL was sent, in words the supervisor uses: nothing to
// read (a plain trigger), an Alertmanager notification (contract §4), or a
// body we refuse. Pure: bytes in, a classification out.
import { createHash } from 'node:crypto';
import { isRecord } from '../../core/model/json';
import { unstorable } from '../../core/model/text';

export type AlertmanagerStatus = 'firing' | 'resolved';

export interface AlertmanagerAlert {
    readonly status: AlertmanagerStatus;
    readonly startsAt: string;
}

export interface AlertmanagerNotification {
    readonly status: AlertmanagerStatus;
    readonly groupKey: string;
    readonly alerts: readonly AlertmanagerAlert[];
}

export type CapabilityBody =
    | { readonly kind: 'plain' }
    | { readonly kind: 'alertmanager'; readonly notification: AlertmanagerNotification }
    | { readonly kind: 'rejected'; readonly why: string };

// The group key becomes the alert's entity id: an id of at most 256 storable
// characters (plugin/schemas.ts), part of the alert_episodes key.
export const MAX_GROUP_KEY = 256;

// Any of these marks an object as an attempt at an Alertmanager notification,
// so a broken one is refused rather than taken as a plain trigger. (`status`
// alone is too common in other monitors' JSON to count.)
const MARKERS = ['version', 'groupKey', 'alerts'] as const;

const isStatus = (value: unknown): value is AlertmanagerStatus => value === 'firing' || value === 'resolved';

const alertOf = (value: unknown): AlertmanagerAlert | null => {
    if (!isRecord(value) || !isStatus(value.status) || typeof value.startsAt !== 'string' || Number.isNaN(Date.parse(value.startsAt))) {
        return null;
    }

    return { status: value.status, startsAt: value.startsAt };
};

const notificationOf = (body: Record<string, unknown>): AlertmanagerNotification | string => {
    if (body.version !== '4') {
        return 'Alertmanager body without version "4"';
    }

    if (!isStatus(body.status)) {
        return 'Alertmanager body whose status is neither firing nor resolved';
    }

    if (typeof body.groupKey !== 'string' || body.groupKey === '' || body.groupKey.length > MAX_GROUP_KEY || unstorable.test(body.groupKey)) {
        return `Alertmanager body without a groupKey of 1 to ${MAX_GROUP_KEY} storable characters`;
    }

    if (!Array.isArray(body.alerts) || body.alerts.length === 0) {
        return 'Alertmanager body without alerts';
    }

    const alerts = body.alerts.map(alertOf);
    if (alerts.some((alert) => alert === null)) {
        return 'Alertmanager alert without a status or a valid startsAt';
    }

    return { status: body.status, groupKey: body.groupKey, alerts: alerts as AlertmanagerAlert[] };
};

// `raw` is the body as received; null when it could not be read (too large, bad encoding).
export const classifyBody = (raw: Buffer | string | null): CapabilityBody => {
    if (raw === null) {
        return { kind: 'rejected', why: 'Body could not be read (too large or badly encoded)' };
    }

    const text = (typeof raw === 'string' ? raw : raw.toString('utf8')).trim();
    if (text === '') {
        return { kind: 'plain' };
    }

    let body: unknown;
    try {
        body = JSON.parse(text);
    }
    catch {
        return { kind: 'rejected', why: 'Body is not JSON' };
    }

    if (!isRecord(body)) {
        return { kind: 'rejected', why: 'Body is JSON but not an object' };
    }

    if (!MARKERS.some((key) => Object.hasOwn(body, key))) {
        return { kind: 'plain' };
    }

    const notification = notificationOf(body);
    return typeof notification === 'string' ? { kind: 'rejected', why: notification } : { kind: 'alertmanager', notification };
};

// Alertmanager repeats a group's notification (repeat_interval, retries, HA
// peers): the same group, status and alerts give the same id, so a repeat is
// a replay. The order of alerts does not matter; a new or resolved alert
// changes it. `scope` (the webhook id) keeps two receivers of one group apart.
export const alertmanagerEventId = (scope: string, notification: AlertmanagerNotification): string => {
    const alerts = notification.alerts.map((alert) => `${alert.status}@${alert.startsAt}`).sort();
    const digest = createHash('sha256').update(JSON.stringify([scope, notification.groupKey, notification.status, alerts])).digest('hex');
    return `am:${digest}`;
};
