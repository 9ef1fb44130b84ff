// A tiny path router: '/servers/:id' patterns, 404 for unknown paths and 405
// for a known path with another method, as both services answer.
import type { SimResponse } from './messages';

export type Params = Readonly<Record<string, string>>;

export interface Route<C> {
    readonly method: string;
    readonly pattern: string;
    readonly handler: (ctx: C, params: Params) => SimResponse | Promise<SimResponse>;
}

export type Match<C> =
    | { readonly kind: 'found'; readonly route: Route<C>; readonly params: Params }
    | { readonly kind: 'method' }
    | { readonly kind: 'none' };

export const matchRoute = <C>(routes: readonly Route<C>[], method: string, path: string): Match<C> => {
    const segments = split(path);
    let pathKnown = false;
    for (const route of routes) {
        const params = matchPattern(split(route.pattern), segments);
        if (params) {
            pathKnown = true;
            if (route.method === method) {
                return { kind: 'found', route, params };
            }
        }
    }

    return pathKnown ? { kind: 'method' } : { kind: 'none' };
};

const split = (path: string): string[] => path.split('/').filter((s) => s !== '');

const matchPattern = (pattern: readonly string[], segments: readonly string[]): Record<string, string> | null => {
    if (pattern.length !== segments.length) {
        return null;
    }

    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; ++i) {
        const p = pattern[i] as string;
        const s = segments[i] as string;
        if (p.startsWith(':')) {
            params[p.slice(1)] = decode(s);
        }
        else if (p !== s) {
            return null;
        }
    }

    return params;
};

// A malformed escape is kept as sent: the lookup then simply finds nothing.
const decode = (segment: string): string => {
    try {
        return decodeURIComponent(segment);
    }
    catch {
        return segment;
    }
};
