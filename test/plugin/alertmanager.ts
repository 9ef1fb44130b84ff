// What a capability body is, and the event id of an Alertmanager notification.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { alertmanagerEventId, classifyBody, MAX_GROUP_KEY, type AlertmanagerNotification, type CapabilityBody } from '../../plugin/intake/alertmanager';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const alert = (status: string, startsAt: unknown) => ({ status, startsAt, labels: { alertname: 'A' }, endsAt: '0001-01-01T00:00:00Z' });
const am = (over: Record<string, unknown> = {}) => JSON.stringify({
    version: '4', status: 'firing', groupKey: '{}:{alertname="A"}', receiver: 'r', alerts: [alert('firing', '2030-01-01T00:00:00Z')], ...over
});

const kinds: readonly [string, string | Buffer | null, CapabilityBody['kind']][] = [
    ['empty', '', 'plain'],
    ['whitespace', ' \n\t', 'plain'],
    ['empty buffer', Buffer.alloc(0), 'plain'],
    ['empty object', '{}', 'plain'],
    ['another monitor\'s object', '{"status": "ok", "host": "a"}', 'plain'],
    ['Alertmanager firing', am(), 'alertmanager'],
    ['Alertmanager resolved', am({ status: 'resolved', alerts: [alert('resolved', '2030-01-01T00:00:00Z')] }), 'alertmanager'],
    ['Alertmanager, nanosecond startsAt', am({ alerts: [alert('firing', '2030-01-01T00:00:00.123456789+02:00')] }), 'alertmanager'],
    ['unreadable (null)', null, 'rejected'],
    ['not JSON', 'hello', 'rejected'],
    ['truncated JSON', '{"a":', 'rejected'],
    ['array', '[]', 'rejected'],
    ['number', '1', 'rejected'],
    ['JSON null', 'null', 'rejected'],
    ['string', '"x"', 'rejected'],
    ['version 3', am({ version: '3' }), 'rejected'],
    ['numeric version', am({ version: 4 }), 'rejected'],
    ['status pending', am({ status: 'pending' }), 'rejected'],
    ['no groupKey', am({ groupKey: undefined }), 'rejected'],
    ['empty groupKey', am({ groupKey: '' }), 'rejected'],
    ['groupKey with NUL', am({ groupKey: 'a\u0000b' }), 'rejected'],
    ['groupKey with a lone surrogate', am({ groupKey: 'a\ud800b' }), 'rejected'],
    ['groupKey of the longest kind', am({ groupKey: 'k'.repeat(MAX_GROUP_KEY) }), 'alertmanager'],
    ['groupKey too long', am({ groupKey: 'k'.repeat(MAX_GROUP_KEY + 1) }), 'rejected'],
    ['no alerts', am({ alerts: [] }), 'rejected'],
    ['alerts not a list', am({ alerts: {} }), 'rejected'],
    ['alert without startsAt', am({ alerts: [{ status: 'firing' }] }), 'rejected'],
    ['alert with a bad startsAt', am({ alerts: [alert('firing', 'soon')] }), 'rejected'],
    ['alert with a numeric startsAt', am({ alerts: [alert('firing', 1893456000)] }), 'rejected'],
    ['alert with a bad status', am({ alerts: [alert('active', '2030-01-01T00:00:00Z')] }), 'rejected'],
    ['alert that is not an object', am({ alerts: ['x'] }), 'rejected'],
    ['marker alone', '{"groupKey": "k"}', 'rejected']
];

describe('classifyBody', () => {
    for (const [name, body, kind] of kinds) {
        it(`${name} → ${kind}`, () => {
            const classified = classifyBody(body);
            expect(classified.kind).to.equal(kind);
            if (classified.kind === 'rejected') {
                expect(classified.why).to.not.be.empty();
            }
        });
    }

    it('keeps what the event id is made of', () => {
        const classified = classifyBody(am());
        expect(classified).to.equal({
            kind: 'alertmanager',
            notification: { status: 'firing', groupKey: '{}:{alertname="A"}', alerts: [{ status: 'firing', startsAt: '2030-01-01T00:00:00Z' }] }
        });
    });
});

describe('alertmanagerEventId', () => {
    const base: AlertmanagerNotification = {
        status: 'firing', groupKey: 'g', alerts: [{ status: 'firing', startsAt: '2030-01-01T00:00:00Z' }, { status: 'firing', startsAt: '2030-01-01T00:05:00Z' }]
    };
    const id = alertmanagerEventId('hook', base);

    const same: readonly [string, string, AlertmanagerNotification][] = [
        ['the same notification again', 'hook', { ...base, alerts: [...base.alerts] }],
        ['the alerts in another order', 'hook', { ...base, alerts: [...base.alerts].reverse() }]
    ];
    const different: readonly [string, string, AlertmanagerNotification][] = [
        ['another webhook', 'other', base],
        ['another group', 'hook', { ...base, groupKey: 'h' }],
        ['resolved', 'hook', { ...base, status: 'resolved' }],
        ['one alert resolved', 'hook', { ...base, alerts: [{ status: 'resolved', startsAt: '2030-01-01T00:00:00Z' }, { status: 'firing', startsAt: '2030-01-01T00:05:00Z' }] }],
        ['a new alert', 'hook', { ...base, alerts: [...base.alerts, { status: 'firing', startsAt: '2030-01-01T00:09:00Z' }] }],
        ['an alert gone', 'hook', { ...base, alerts: base.alerts.slice(0, 1) }],
        ['a later start', 'hook', { ...base, alerts: [{ status: 'firing', startsAt: '2030-01-01T01:00:00Z' }, { status: 'firing', startsAt: '2030-01-01T00:05:00Z' }] }],
        // JSON framing: a key that embeds the separator cannot collide with a split elsewhere.
        ['a group key that looks like a scope', 'hoo', { ...base, groupKey: 'kg' }]
    ];

    it('is an event id of bounded length', () => {
        expect(id).to.match(/^am:[0-9a-f]{64}$/);
    });

    for (const [name, scope, notification] of same) {
        it(`is the same for ${name}`, () => {
            expect(alertmanagerEventId(scope, notification)).to.equal(id);
        });
    }

    for (const [name, scope, notification] of different) {
        it(`differs for ${name}`, () => {
            expect(alertmanagerEventId(scope, notification)).to.not.equal(id);
        });
    }
});
