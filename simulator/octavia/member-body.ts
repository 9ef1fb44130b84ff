// Member POST and PUT bodies, read as Octavia's wsme types read them
// (octavia/api/v2/types/member.py): unknown attributes first, then each
// attribute in its declared order, with wsme's words for a missing one, a
// wrong type or a value out of range. A refusal is a 400 faultstring.
import { isIP } from 'node:net';
import { isRecord, parseJson } from '../http/messages';
import type { MemberFields } from '../model/load-balancers';

export interface MemberPost extends MemberFields {
    readonly address: string;
    readonly protocolPort: number;
    readonly subnetId: string | null;
}

export type MemberPut = Partial<MemberFields>;

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

type Kind = 'name' | 'project' | 'bool' | 'ip' | 'port' | 'weight' | 'uuid' | 'tags';

interface Attribute {
    readonly name: string;
    readonly kind: Kind;
    readonly mandatory?: boolean;
}

const POST: readonly Attribute[] = [
    { name: 'name', kind: 'name' }, { name: 'admin_state_up', kind: 'bool' }, { name: 'address', kind: 'ip', mandatory: true },
    { name: 'protocol_port', kind: 'port', mandatory: true }, { name: 'weight', kind: 'weight' }, { name: 'backup', kind: 'bool' },
    { name: 'subnet_id', kind: 'uuid' }, { name: 'project_id', kind: 'project' }, { name: 'monitor_port', kind: 'port' },
    { name: 'monitor_address', kind: 'ip' }, { name: 'tags', kind: 'tags' }, { name: 'request_sriov', kind: 'bool' }
];

const PUT: readonly Attribute[] = [
    { name: 'name', kind: 'name' }, { name: 'admin_state_up', kind: 'bool' }, { name: 'weight', kind: 'weight' }, { name: 'backup', kind: 'bool' },
    { name: 'monitor_port', kind: 'port' }, { name: 'monitor_address', kind: 'ip' }, { name: 'tags', kind: 'tags' }
];

// constants.py: MIN/MAX_PORT_NUMBER, MIN/MAX_WEIGHT, DEFAULT_WEIGHT.
const RANGES: Readonly<Partial<Record<Kind, readonly [number, number]>>> = { port: [1, 65535], weight: [0, 256] };
export const DEFAULT_WEIGHT = 1;

const TRUE = ['true', 't', 'yes', 'y', 'on', '1'];
const FALSE = ['false', 'f', 'no', 'n', 'off', '0'];

class Refused extends Error {}

// How Python prints a value in wsme's "Value: '%s'".
const py = (value: unknown): string => {
    if (value === null) {
        return 'None';
    }

    if (typeof value === 'boolean') {
        return value ? 'True' : 'False';
    }

    return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
};

const invalid = (name: string, value: unknown, why: string): Refused => new Refused(`Invalid input for field/attribute ${name}. Value: '${py(value)}'. ${why}`);

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

// One attribute's value as wsme converts and validates it (null stays null).
const convert = ({ name, kind }: Attribute, value: unknown): unknown => {
    if (value === null) {
        return null;
    }

    switch (kind) {
        case 'name':
        case 'project': {
            const max = kind === 'name' ? 255 : 36;
            if (typeof value !== 'string') {
                throw invalid(name, value, 'Value should be string');
            }

            if (value.length > max) {
                throw invalid(name, value, `Value should have a maximum character requirement of ${max}`);
            }

            return value;
        }

        case 'bool': {
            if (typeof value === 'boolean' || typeof value === 'number') {
                return Boolean(value);
            }

            const lowered = String(value).toLowerCase();
            if (typeof value === 'string' && (TRUE.includes(lowered) || FALSE.includes(lowered))) {
                return TRUE.includes(lowered);
            }

            throw invalid(name, value, `Value not an unambiguous boolean: ${py(value)}`);
        }

        case 'ip':
            if (typeof value !== 'string' || isIP(value) === 0) {
                throw invalid(name, value, 'Value should be IPv4 or IPv6 format');
            }

            return value;

        case 'uuid': {
            const hex = typeof value === 'string' && UUID.test(value) ? value.replace(/-/g, '').toLowerCase() : null;
            if (hex === null) {
                throw invalid(name, value, 'Value should be UUID format');
            }

            return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
        }

        case 'tags':
            if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length <= 255)) {
                throw invalid(name, value, 'Value should be a list of strings of at most 255 characters');
            }

            return value;

        default:
            return integer(name, value, RANGES[kind] as readonly [number, number]);
    }
};

// Python's int() of the value, then the type's range.
const integer = (name: string, value: unknown, [min, max]: readonly [number, number]): number => {
    let n: number;
    if (typeof value === 'number' || typeof value === 'boolean') {
        n = Math.trunc(Number(value));
    }
    else if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
        n = Number(value);
    }
    else {
        throw invalid(name, value, `invalid literal for int() with base 10: '${py(value)}'`);
    }

    if (n < min) {
        throw invalid(name, n, `Value should be greater or equal to ${min}`);
    }

    if (n > max) {
        throw invalid(name, n, `Value should be lower or equal to ${max}`);
    }

    return n;
};

// {member: {...}} with nothing else, each attribute known; the attributes given, converted.
const readMember = (raw: string, attributes: readonly Attribute[]): Map<string, unknown> => {
    const parsed = parseJson(raw);
    if (!parsed.ok) {
        throw new Refused('Request is not in valid JSON format');
    }

    if (parsed.value === undefined) {
        throw new Refused('Missing argument: "member_"');
    }

    const body = parsed.value;
    if (!isRecord(body)) {
        throw new Refused('Request must be a JSON dict');
    }

    unknown(body, ['member'], 'member_');
    const member = body.member;
    if (member === undefined || member === null) {
        throw invalid('member', null, 'Mandatory field missing.');
    }

    if (!isRecord(member)) {
        throw new Refused('Request must be a JSON dict');
    }

    unknown(member, attributes.map((a) => a.name), 'member_.member');
    const values = new Map<string, unknown>();
    for (const attribute of attributes) {
        const value = member[attribute.name];
        // Octavia cannot take a mandatory attribute as null either: it counts as missing.
        if (attribute.mandatory && (value === undefined || value === null)) {
            throw invalid(attribute.name, null, 'Mandatory field missing.');
        }

        if (value !== undefined) {
            values.set(attribute.name, convert(attribute, value));
        }
    }

    return values;
};

const unknown = (body: Record<string, unknown>, known: readonly string[], argument: string): void => {
    const extra = Object.keys(body).filter((k) => !known.includes(k)).sort();
    if (extra.length > 0) {
        throw new Refused(`Unknown attribute${extra.length > 1 ? 's' : ''} for argument ${argument}: ${extra.join(', ')}`);
    }
};

const attempt = <T>(read: () => T): Read<T> => {
    try {
        return { ok: true, value: read() };
    }
    catch (err) {
        // Anything else is a bug: let it through.
        if (err instanceof Refused) { // $lab:coverage:ignore$
            return { ok: false, message: err.message };
        }

        throw err; // $lab:coverage:ignore$
    }
};

// A create: defaults for what is not given (a null weight or backup too, as Octavia resets them).
export const readMemberPost = (raw: string): Read<MemberPost> => attempt(() => {
    const v = readMember(raw, POST);
    return {
        address: v.get('address') as string,
        protocolPort: v.get('protocol_port') as number,
        name: (v.get('name') as string | null | undefined) ?? '',
        weight: (v.get('weight') as number | null | undefined) ?? DEFAULT_WEIGHT,
        adminStateUp: (v.get('admin_state_up') as boolean | null | undefined) ?? true,
        backup: (v.get('backup') as boolean | null | undefined) ?? false,
        subnetId: (v.get('subnet_id') as string | null | undefined) ?? null,
        monitorAddress: (v.get('monitor_address') as string | null | undefined) ?? null,
        monitorPort: (v.get('monitor_port') as number | null | undefined) ?? null,
        tags: (v.get('tags') as string[] | null | undefined) ?? []
    };
});

// An update: only what is given. A null weight or backup is reset to its
// default (Octavia's _set_default_on_none); a null name clears it.
export const readMemberPut = (raw: string): Read<MemberPut> => attempt(() => {
    const v = readMember(raw, PUT);
    const update: { -readonly [K in keyof MemberFields]?: MemberFields[K] } = {};
    if (v.has('name')) {
        update.name = (v.get('name') as string | null) ?? '';
    }

    if (v.has('weight')) {
        update.weight = (v.get('weight') as number | null) ?? DEFAULT_WEIGHT;
    }

    if (v.has('backup')) {
        update.backup = (v.get('backup') as boolean | null) ?? false;
    }

    if (v.get('admin_state_up') !== undefined && v.get('admin_state_up') !== null) {
        update.adminStateUp = v.get('admin_state_up') as boolean;
    }

    if (v.has('monitor_address')) {
        update.monitorAddress = v.get('monitor_address') as string | null;
    }

    if (v.has('monitor_port')) {
        update.monitorPort = v.get('monitor_port') as number | null;
    }

    if (v.has('tags')) {
        update.tags = (v.get('tags') as string[] | null) ?? [];
    }

    return update;
});
