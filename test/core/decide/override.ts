// Setting and removing an override, rule by rule: the bounds it leaves must
// hold together, a kill-switch stops the move it makes, and no move passes any switch.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { decideOverride, decideOverrideRemoval, type OverrideInput } from '../../../core/decide/override';
import { DomainError } from '../../../core/model/errors';
import type { KillSwitch } from '../../../core/model/kill-switch';
import type { Override } from '../../../core/model/override';
import type { ActivityInput, ActivitySource } from '../../../core/model/activity';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

const now = new Date('2030-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const later = (s: number) => new Date(now.getTime() + s * 1000);
const until = later(3600);
const iso = until.toISOString();    // 2030-01-01T13:00:00.000Z

const override = (o: Partial<Override>): Override => ({
    desiredCapacity: null, minEntities: null, maxEntities: null, reason: 'incident', expiresAt: until, who: 'ops', byAdmin: false, ...o
});

// Set by someone other than the override's author, so a message naming the wrong one fails.
const killSwitch = (k: Partial<KillSwitch>): KillSwitch => ({
    scope: { kind: 'global' }, mode: 'all', reason: 'nova incident', who: 'sre', expiresAt: null, ...k
});

const region = (name: string) => ({ kind: 'region' as const, region: name });

const base: OverrideInput = {
    override: override({}),
    current: null,
    desired: 4,
    config: { minEntities: 1, maxEntities: 10 },
    killSwitches: [],
    region: 'RegionOne',
    source: 'manual',
    now
};

interface ErrorExpectation {
    readonly kind: string;
    readonly type: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
}

type Expected =
    | { readonly refused: ErrorExpectation }
    | { readonly set: number; readonly message: string };

interface Row {
    readonly name: string;
    readonly override?: Partial<Override>;
    readonly desired?: number;
    readonly config?: OverrideInput['config'];
    readonly killSwitches?: readonly Partial<KillSwitch>[];
    readonly region?: string | null;
    readonly source?: ActivitySource;
    readonly current?: Partial<Override>;      // the override stored now (none when absent)
    readonly expect: Expected;
}

const bounds = (field: string, message: string): Expected => ({ refused: { kind: 'bad_request', type: 'ValidationError', message, details: { field } } });
const stopped = (message: string): Expected => ({ refused: { kind: 'forbidden', type: 'CannotSetOverrideError', message, details: { reason: 'kill_switch' } } });
const set = (after: number, message: string): Expected => ({ set: after, message });
const moved = (before: number, after: number) => set(after, `Override until ${iso}: incident; desired ${before} → ${after}`);
const still = (desired: number) => set(desired, `Override until ${iso}: incident`);

const adminHolds = (verb: 'change' | 'clear'): ErrorExpectation => ({
    kind: 'forbidden', type: verb === 'change' ? 'CannotSetOverrideError' : 'CannotClearOverrideError',
    message: `An admin (freezer) set this override: only an admin may ${verb} it (incident freeze)`, details: { reason: 'admin_override' }
});
const adminPin: Partial<Override> = { byAdmin: true, who: 'freezer', reason: 'incident freeze', desiredCapacity: 0 };

const rows: Row[] = [
    // whose override it is
    { name: "a tenant may not change an admin's override in force", override: { desiredCapacity: 6 }, current: adminPin, expect: { refused: adminHolds('change') } },
    { name: "an admin may change an admin's override", override: { desiredCapacity: 6 }, current: adminPin, source: 'admin', expect: moved(4, 6) },
    { name: "an admin may change a tenant's override", override: { desiredCapacity: 6 }, current: { who: 'alice' }, source: 'admin', expect: moved(4, 6) },
    { name: "a tenant may change its own override", override: { desiredCapacity: 6 }, current: { who: 'alice' }, expect: moved(4, 6) },
    { name: "an admin's override that expired binds nobody", override: { desiredCapacity: 6 }, current: { ...adminPin, expiresAt: ago(1) }, expect: moved(4, 6) },
    // what it pins, within bounds
    { name: 'a pin inside the group bounds moves desired to it', override: { desiredCapacity: 6 }, expect: moved(4, 6) },
    { name: 'a pin below desired moves it down', override: { desiredCapacity: 2 }, expect: moved(4, 2) },
    { name: 'a pin equal to desired moves nothing', override: { desiredCapacity: 4 }, expect: still(4) },
    { name: 'a pin on the group maximum is allowed', override: { desiredCapacity: 10 }, expect: moved(4, 10) },
    { name: 'a pin on the group minimum is allowed', override: { desiredCapacity: 1 }, expect: moved(4, 1) },
    { name: 'no pin and bounds that hold desired: nothing moves', override: { minEntities: 2, maxEntities: 8 }, expect: still(4) },
    { name: 'no pin: a raised minimum lifts desired to it', override: { minEntities: 6 }, expect: moved(4, 6) },
    { name: 'no pin: a lowered maximum brings desired down to it', override: { maxEntities: 2 }, expect: moved(4, 2) },
    { name: "an override's maximum above the group's lets the pin past it", override: { desiredCapacity: 15, maxEntities: 20 }, expect: moved(4, 15) },
    { name: "an override's minimum below the group's lets the pin under it", override: { desiredCapacity: 0, minEntities: 0 }, expect: moved(4, 0) },
    { name: 'no group maximum: a pin up to the 1000 ceiling is allowed', config: { minEntities: 1, maxEntities: null }, override: { desiredCapacity: 1000 }, expect: moved(4, 1000) },
    { name: 'the source is carried to the row', source: 'admin', override: { desiredCapacity: 5 }, expect: moved(4, 5) },

    // bounds that do not hold together: 400 naming the field the override set
    { name: "min above the group's max names minEntities", override: { minEntities: 12 },
        expect: bounds('minEntities', `"minEntities" leaves minEntities 12 above maxEntities 10 (the group's own bound fills the other)`) },
    { name: "max below the group's min names maxEntities", config: { minEntities: 3, maxEntities: 10 }, override: { maxEntities: 2 },
        expect: bounds('maxEntities', `"maxEntities" leaves minEntities 3 above maxEntities 2 (the group's own bound fills the other)`) },
    { name: 'both set, min above max: minEntities is named', override: { minEntities: 5, maxEntities: 3 },
        expect: bounds('minEntities', `"minEntities" leaves minEntities 5 above maxEntities 3 (the group's own bound fills the other)`) },
    { name: 'no maximum anywhere: the 1000 ceiling is the maximum', config: { minEntities: 1, maxEntities: null }, override: { minEntities: 1001 },
        expect: bounds('minEntities', `"minEntities" leaves minEntities 1001 above maxEntities 1000 (the group's own bound fills the other)`) },
    { name: 'min equal to max holds together', override: { minEntities: 7, maxEntities: 7 }, expect: moved(4, 7) },
    { name: 'bounds that do not hold are refused before a pin is looked at', override: { minEntities: 12, desiredCapacity: 50 },
        expect: bounds('minEntities', `"minEntities" leaves minEntities 12 above maxEntities 10 (the group's own bound fills the other)`) },

    // a pin outside the bounds in force: 400 desiredCapacity
    { name: "a pin above the group's max", override: { desiredCapacity: 11 },
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 1..10 (the override's bounds, else the group's)`) },
    { name: "a pin below the group's min", override: { desiredCapacity: 0 },
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 1..10 (the override's bounds, else the group's)`) },
    { name: "a pin below the override's own min", override: { desiredCapacity: 3, minEntities: 5 },
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 5..10 (the override's bounds, else the group's)`) },
    { name: "a pin above the override's own max", override: { desiredCapacity: 7, maxEntities: 6 },
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 1..6 (the override's bounds, else the group's)`) },
    { name: 'a pin above the 1000 ceiling', config: { minEntities: 1, maxEntities: null }, override: { desiredCapacity: 1001 },
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 1..1000 (the override's bounds, else the group's)`) },
    { name: 'a bad pin is refused before a kill-switch is looked at', override: { desiredCapacity: 11 }, killSwitches: [{}],
        expect: bounds('desiredCapacity', `"desiredCapacity" must lie within 1..10 (the override's bounds, else the group's)`) },

    // kill-switches stop the move the override makes
    { name: 'a global all switch stops a move up', override: { desiredCapacity: 6 }, killSwitches: [{}],
        expect: stopped('Kill-switch global (all) set by sre stops desired 4 → 6: nova incident') },
    { name: 'a global all switch stops a move down', override: { desiredCapacity: 2 }, killSwitches: [{}],
        expect: stopped('Kill-switch global (all) set by sre stops desired 4 → 2: nova incident') },
    { name: 'a scale-up switch stops a move up', override: { desiredCapacity: 6 }, killSwitches: [{ mode: 'scale-up' }],
        expect: stopped('Kill-switch global (scale-up) set by sre stops desired 4 → 6: nova incident') },
    { name: 'a scale-up switch lets a move down through', override: { desiredCapacity: 2 }, killSwitches: [{ mode: 'scale-up' }], expect: moved(4, 2) },
    { name: "a switch for the group's region stops it", override: { desiredCapacity: 6 }, killSwitches: [{ scope: region('RegionOne') }],
        expect: stopped('Kill-switch region:RegionOne (all) set by sre stops desired 4 → 6: nova incident') },
    { name: 'a switch for another region does not', override: { desiredCapacity: 6 }, killSwitches: [{ scope: region('RegionTwo') }], expect: moved(4, 6) },
    { name: 'a region switch does not hold a group with no region', region: null, override: { desiredCapacity: 6 }, killSwitches: [{ scope: region('RegionOne') }], expect: moved(4, 6) },
    { name: 'a global switch holds a group with no region', region: null, override: { desiredCapacity: 6 }, killSwitches: [{}],
        expect: stopped('Kill-switch global (all) set by sre stops desired 4 → 6: nova incident') },
    { name: 'a switch that expired a second ago does not stop it', override: { desiredCapacity: 6 }, killSwitches: [{ expiresAt: ago(1) }], expect: moved(4, 6) },
    { name: 'a switch expiring right now no longer holds', override: { desiredCapacity: 6 }, killSwitches: [{ expiresAt: now }], expect: moved(4, 6) },
    { name: 'a switch expiring a second from now still holds', override: { desiredCapacity: 6 }, killSwitches: [{ expiresAt: later(1) }],
        expect: stopped('Kill-switch global (all) set by sre stops desired 4 → 6: nova incident') },
    { name: 'the first switch in force is the one named', override: { desiredCapacity: 6 },
        killSwitches: [{ expiresAt: ago(1), who: 'gone' }, { scope: region('RegionOne'), mode: 'scale-up', who: 'net', reason: 'router down' }],
        expect: stopped('Kill-switch region:RegionOne (scale-up) set by net stops desired 4 → 6: router down') },
    { name: "a move made by the override's bounds alone is stopped too", override: { minEntities: 6 }, killSwitches: [{ mode: 'scale-up' }],
        expect: stopped('Kill-switch global (scale-up) set by sre stops desired 4 → 6: nova incident') },
    { name: 'no move passes an all switch: a pin at desired', override: { desiredCapacity: 4 }, killSwitches: [{}], expect: still(4) },
    { name: 'no move passes an all switch: bounds that hold desired', override: { minEntities: 2, maxEntities: 20 }, killSwitches: [{}, { scope: region('RegionOne') }], expect: still(4) }
];

const expectedError = (error: DomainError): ErrorExpectation => ({ kind: error.kind, type: error.type, message: error.message, details: error.details });

describe('decideOverride', () => {
    for (const row of rows) {
        it(row.name, () => {
            const input: OverrideInput = {
                ...base,
                override: override(row.override ?? {}),
                current: row.current === undefined ? null : override(row.current),
                desired: row.desired ?? base.desired,
                config: row.config ?? base.config,
                killSwitches: (row.killSwitches ?? []).map(killSwitch),
                region: row.region === undefined ? base.region : row.region,
                source: row.source ?? base.source
            };
            const decision = decideOverride(input);
            if ('refused' in row.expect) {
                expect(decision.kind).to.equal('refused');
                const error = decision.kind === 'refused' ? decision.error : null;
                expect(error).to.be.an.instanceof(DomainError);
                expect(expectedError(error as DomainError)).to.equal(row.expect.refused);
                expect((error as DomainError).name).to.equal(row.expect.refused.type);
                return;
            }

            expect(decision.kind).to.equal('set');
            const after = row.expect.set;
            const activity: ActivityInput = {
                source: input.source, kind: 'override', outcome: 'accepted', reason: 'override', message: row.expect.message,
                desiredBefore: input.desired, desiredAfter: after, who: 'ops'
            };
            expect(decision).to.equal({ kind: 'set', desiredAfter: after, moved: after !== input.desired, activity });
        });
    }
});

interface RemovalRow {
    readonly name: string;
    readonly desired: number;
    readonly config: OverrideInput['config'];
    readonly source?: ActivitySource;
    readonly expect: [after: number, message: string];
}

const removals: RemovalRow[] = [
    { name: "desired within the group's bounds stays", desired: 4, config: { minEntities: 1, maxEntities: 10 }, expect: [4, 'Override removed'] },
    { name: 'desired on a group bound stays', desired: 10, config: { minEntities: 1, maxEntities: 10 }, expect: [10, 'Override removed'] },
    { name: "desired above the group's max comes down to it", desired: 15, config: { minEntities: 1, maxEntities: 10 }, expect: [10, 'Override removed; desired 15 → 10'] },
    { name: "desired below the group's min goes up to it", desired: 0, config: { minEntities: 2, maxEntities: 10 }, expect: [2, 'Override removed; desired 0 → 2'] },
    { name: 'no group maximum: desired up to the ceiling stays', desired: 1000, config: { minEntities: 0, maxEntities: null }, expect: [1000, 'Override removed'] },
    { name: 'the source is carried to the row', desired: 3, config: { minEntities: 5, maxEntities: null }, source: 'admin', expect: [5, 'Override removed; desired 3 → 5'] }
];

describe('decideOverrideRemoval, whose override it is', () => {
    const cases: [name: string, current: Partial<Override>, source: ActivitySource, refused: boolean][] = [
        ["a tenant may not clear an admin's override in force", adminPin, 'manual', true],
        ["an admin may clear an admin's override", adminPin, 'admin', false],
        ["a tenant may clear its own override", { who: 'alice' }, 'manual', false],
        ["a tenant may clear an admin's override that expired", { ...adminPin, expiresAt: now }, 'manual', false]
    ];
    for (const [name, current, source, refused] of cases) {
        it(name, () => {
            const decision = decideOverrideRemoval({ current: override(current), desired: 4, config: { minEntities: 1, maxEntities: 10 }, who: 'carol', source, now });
            expect(decision.kind).to.equal(refused ? 'refused' : 'removed');
            if (decision.kind === 'refused') {
                expect(expectedError(decision.error)).to.equal(adminHolds('clear'));
            }
        });
    }
});

describe('decideOverrideRemoval', () => {
    for (const row of removals) {
        it(row.name, () => {
            const source = row.source ?? 'manual';
            const [after, message] = row.expect;
            expect(decideOverrideRemoval({ current: override({}), desired: row.desired, config: row.config, who: 'carol', source, now })).to.equal({
                kind: 'removed',
                desiredAfter: after,
                activity: { source, kind: 'override', outcome: 'done', reason: 'override', message, desiredBefore: row.desired, desiredAfter: after, who: 'carol' }
            });
        });
    }
});
