// What a host's request log may show of a request to the plugin (contract
// §10: no token, password, secret or capability in a log). Two paths carry
// a secret in themselves: a webhook's capability URL
// (`/v1.0/execute/1/{capability}/`) and a workflow's callback
// (`/v1.0/workflow/1/{token}`); tokens come in headers. A host's request
// logger (hapi-pino's serializers, as examples/demo-logger.ts does) shows
// loggablePath(...) instead of the path and leaves SECRET_HEADERS out.

export const REDACTED = '[redacted]';

// Headers that carry a credential, in lower case as Node gives them.
export const SECRET_HEADERS: readonly string[] = ['x-auth-token', 'x-subject-token', 'authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

// Query parameters of the plugin's own API; every other one's value is redacted.
const PLAIN_QUERY = new Set(['limit', 'marker', 'force', 'replace']);

// The segments after which the rest of a path is a secret.
const SECRET_ROUTES = new Set(['execute', 'workflow']);

const decoded = (text: string): string => {
    try {
        return decodeURIComponent(text);
    }
    catch {
        return text;
    }
};

// The path with everything after `v1.0/execute/1/` or `v1.0/workflow/1/`
// replaced, however it is spelt (encoded, in capitals, with doubled
// slashes), and the query's values but the API's own.
export const loggablePath = (url: string): string => {
    const cut = url.search(/[?#]/);
    const path = cut === -1 ? url : url.slice(0, cut);
    const query = cut === -1 || url[cut] === '#' ? '' : url.slice(cut + 1).split('#')[0];
    return redactedPath(path) + redactedQuery(query);
};

// Matched on the decoded segments (an encoded slash splits one), so that no
// spelling of a secret route passes.
const redactedPath = (path: string): string => {
    const segments = path.split('/').flatMap((segment) => decoded(segment).split('/'));
    const words = segments.map((s) => s.toLowerCase());
    let last = '';
    for (let i = 0; i < segments.length; i++) {
        if (last === 'v1.0' && SECRET_ROUTES.has(words[i])) {
            let next = i + 1;
            while (next < segments.length && segments[next] === '') {
                next++;
            }

            const keep = words[next] === '1' ? next + 1 : i + 1;
            if (segments.slice(keep).every((s) => s === '')) {
                return path;                // nothing after the route's own words
            }

            return `${[...segments.slice(0, keep), REDACTED].join('/')}${path.endsWith('/') ? '/' : ''}`;
        }

        if (words[i] !== '') {
            last = words[i];
        }
    }

    return path;
};

const redactedQuery = (query: string): string => {
    if (query === '') {
        return '';
    }

    const pairs = query.split('&').map((pair) => {
        const eq = pair.indexOf('=');
        const name = eq === -1 ? pair : pair.slice(0, eq);
        return eq === -1 || PLAIN_QUERY.has(decoded(name).toLowerCase()) ? pair : `${name}=${REDACTED}`;
    });
    return `?${pairs.join('&')}`;
};

// The headers with the credentials' values replaced.
export const loggableHeaders = (headers: Readonly<Record<string, unknown>>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.includes(name.toLowerCase()) ? REDACTED : value]));
