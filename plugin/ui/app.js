// @ts-check
// The operator page (contract §10), plain script: no framework, no build step.
// Every call carries the token from sessionStorage and gives up after
// TIMEOUT_MS, so during an incident the page says the API is slow instead of
// hanging; each part loads on its own and keeps its last data when its call
// fails. Data goes into the page as text, never as markup.
'use strict';

(() => {
    const TIMEOUT_MS = 5000;
    const REFRESH_MS = 5000;
    const ACTIVITY_SHOWN = 5;
    const HISTORY_SHOWN = 20;
    const TOKEN_KEY = 'nova-autoscale.token';
    const TENANT_KEY = 'nova-autoscale.tenant';
    // The page is {prefix}/admin/ui: the API is two levels up, whatever the prefix or proxy.
    const apiRoot = new URL('..', window.location.href);

    /** @typedef {{ code: number, type: string, message: string, details: Record<string, unknown> }} ApiError */
    /** @typedef {{ id: string, name: string, paused: boolean, status: string, errors: { message: string }[], desiredCapacity: number, activeCapacity: number, pendingCapacity: number, active: { id: string }[], orphans: { id: string }[] }} GroupState */
    /** @typedef {{ id: string, state: GroupState }} Group */
    /** @typedef {{ id: string, at: string, source: string, kind: string, outcome: string, reason: string, message: string, desiredBefore: number | null, desiredAfter: number | null, who: string }} Activity */
    /** @typedef {{ desiredCapacity: number | null, minEntities: number | null, maxEntities: number | null, reason: string, who: string, expiresAt: string }} Override */
    /** @typedef {{ scope: string, mode: string, reason: string, who: string, expiresAt: string | null }} KillSwitch */
    /** @typedef {KillSwitch & { id: string, action: string, at: string }} KillSwitchEvent */
    /** @typedef {{ id: string, host: string, pid: number, startedAt: string, lastSeenAt: string, leases: number }} Instance */

    // A call that did not give what was asked: an error answer, no answer in
    // time, no connection, or an answer the page cannot read.
    class Failure extends Error {
        /**
         * @param {'http' | 'timeout' | 'network' | 'unreadable'} kind
         * @param {number} status
         * @param {ApiError | null} error
         * @param {string} message
         */
        constructor(kind, status, error, message) {
            super(message);
            this.kind = kind;
            this.status = status;
            this.error = error;
        }
    }

    /** @param {string} id */
    const byId = (id) => {
        const node = document.getElementById(id);
        if (!node) {
            throw new Error(`the page has no #${id}`);
        }

        return node;
    };

    /** @param {string} id */
    const inputById = (id) => /** @type {HTMLInputElement} */ (byId(id));

    /** @param {string} text */
    const parsed = (text) => {
        try {
            return /** @type {unknown} */ (JSON.parse(text));
        }
        catch {
            return null;
        }
    };

    /** @param {unknown} body @returns {ApiError | null} */
    const apiErrorOf = (body) => {
        const error = body !== null && typeof body === 'object' && 'error' in body ? body.error : null;
        return error !== null && typeof error === 'object' && 'message' in error ? /** @type {ApiError} */ (error) : null;
    };

    /**
     * One API call: the body of a 2xx answer (null when empty), or a Failure.
     * The deadline covers the body too: a stalled answer is as slow as none.
     * @param {string} method
     * @param {string} path relative to the API root, as 'v1.0/demo/groups'
     * @param {unknown} [body]
     * @returns {Promise<unknown>}
     */
    const call = async (method, path, body) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
        /** @type {Record<string, string>} */
        const headers = { accept: 'application/json', 'x-auth-token': sessionStorage.getItem(TOKEN_KEY) ?? '' };
        if (body !== undefined) {
            headers['content-type'] = 'application/json';
        }

        try {
            const res = await fetch(new URL(path, apiRoot), {
                method, headers, body: body === undefined ? null : JSON.stringify(body), signal: controller.signal, cache: 'no-store', credentials: 'omit'
            });
            const text = await res.text();
            if (!res.ok) {
                const error = apiErrorOf(parsed(text));
                throw new Failure('http', res.status, error, error ? error.message : `HTTP ${res.status}`);
            }

            return text === '' ? null : parsed(text);
        }
        catch (err) {
            if (err instanceof Failure) {
                throw err;
            }

            if (controller.signal.aborted) {
                throw new Failure('timeout', 0, null, `no answer within ${TIMEOUT_MS / 1000} s`);
            }

            throw new Failure('network', 0, null, 'the API could not be reached');
        }
        finally {
            clearTimeout(timer);
        }
    };

    /** @param {unknown} err @returns {Failure} */
    const asFailure = (err) => (err instanceof Failure ? err : new Failure('network', 0, null, String(err)));

    // An error as an operator reads it: "403 ForbiddenError: message (reason: kill_switch)".
    /** @param {Failure} failure */
    const describe = (failure) => {
        if (failure.kind === 'timeout') {
            return `API slow / not answering: ${failure.message}`;
        }

        if (failure.kind === 'network') {
            return `API not answering: ${failure.message}`;
        }

        if (failure.kind === 'unreadable') {
            return `Unexpected answer: ${failure.message}`;
        }

        const error = failure.error;
        if (!error) {
            return `${failure.status}: ${failure.message}`;
        }

        const details = Object.entries(error.details ?? {}).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
        return `${error.code} ${error.type}: ${error.message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
    };

    // What a failure says about the whole service, for the banner; null when it is one part's own (a 403, a 404).
    /** @param {Failure} failure @returns {string | null} */
    const outageOf = (failure) => {
        if (failure.kind === 'timeout' || failure.kind === 'network') {
            return describe(failure);
        }

        if (failure.status === 503 && /identity/i.test(failure.message)) {
            return 'Keystone unavailable (503): tokens cannot be checked';
        }

        if (failure.status === 401) {
            return 'Token refused (401): sign in again';
        }

        return failure.status >= 500 ? `Service unavailable (${failure.status}): ${failure.message}` : null;
    };

    // ---------------------------------------------------------------------
    // Building the page's parts, as text.

    /**
     * @param {string} tag
     * @param {Record<string, string>} [attributes]
     * @param {(Node | string)[]} children
     */
    const el = (tag, attributes = {}, ...children) => {
        const node = document.createElement(tag);
        for (const [name, value] of Object.entries(attributes)) {
            node.setAttribute(name, value);
        }

        node.append(...children);
        return node;
    };

    /**
     * @param {string} caption
     * @param {string[]} headings
     * @param {(Node | string)[][]} rows
     * @param {string} empty what an empty table says instead
     */
    const table = (caption, headings, rows, empty) => rows.length === 0 ? el('p', { class: 'hint' }, empty) : el('table', {},
        el('caption', {}, caption),
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))));

    // Times in UTC, to the second: what the API and the logs use.
    /** @param {string | Date | null} at */
    const utc = (at) => (at === null ? '–' : `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')}Z`);

    // A time in a table cell, on one line: today's as the time of day, the whole date on hover.
    /** @param {string | null} at */
    const when = (at) => {
        if (at === null) {
            return '–';
        }

        const full = utc(at);
        const today = new Date().toISOString().slice(0, 10) === full.slice(0, 10);
        return el('time', { datetime: at, title: full }, today ? full.slice(11) : full);
    };

    /** @param {number | null} n */
    const level = (n) => (n === null ? '–' : String(n));

    /**
     * A button that runs `action` once at a time and shows its failure in `result`.
     * @param {string} label
     * @param {string} ariaLabel
     * @param {() => Promise<void>} action
     * @param {HTMLElement} result
     */
    const actionButton = (label, ariaLabel, action, result) => {
        const button = /** @type {HTMLButtonElement} */ (el('button', { type: 'button', 'aria-label': ariaLabel }, label));
        button.addEventListener('click', () => {
            button.disabled = true;
            result.textContent = '';
            action().catch((err) => {
                result.textContent = describe(asFailure(err));
            }).finally(() => {
                button.disabled = false;
            });
        });
        return button;
    };

    /** @param {HTMLElement} node @param {string} text */
    const showError = (node, text) => {
        node.textContent = text;
        node.hidden = text === '';
    };

    // A part is drawn again only when its data changed, so that a refresh
    // neither moves the page nor takes a button from under the pointer.
    /** @type {Map<string, string>} */
    const drawn = new Map();

    /** @param {string} part @param {unknown} data @param {() => void} draw */
    const drawIfChanged = (part, data, draw) => {
        const key = JSON.stringify(data);
        if (drawn.get(part) !== key) {
            drawn.set(part, key);
            draw();
        }
    };

    // ---------------------------------------------------------------------
    // What the page knows, kept across refreshes: a failed call leaves the last data in place.

    const known = {
        /** @type {Group[] | null} */
        groups: null,
        more: false,
        /** @type {Map<string, Activity[] | Failure>} */
        activity: new Map(),
        /** @type {Map<string, Override | null | Failure>} */
        overrides: new Map()
    };

    const tenant = () => sessionStorage.getItem(TENANT_KEY) ?? '';
    const signedIn = () => (sessionStorage.getItem(TOKEN_KEY) ?? '') !== '';
    /** @param {string} id */
    const groupPath = (id) => `v1.0/${encodeURIComponent(tenant())}/groups/${encodeURIComponent(id)}`;
    /** @param {string} id */
    const overridePath = (id) => `admin/tenants/${encodeURIComponent(tenant())}/groups/${encodeURIComponent(id)}/override`;

    /** @param {Group} group */
    const groupCard = (group) => {
        const s = group.state;
        const result = el('p', { class: 'result', role: 'status' });
        const override = known.overrides.get(group.id);
        const activity = known.activity.get(group.id);
        const overrideLine = override === undefined ? el('p', { class: 'hint' }, 'Override: loading…')
            : override instanceof Failure ? el('p', { class: 'error' }, `Override: ${describe(override)}`)
                : override === null ? el('p', {}, 'Override: none')
                    : el('p', { class: 'override' },
                        `Override: desired ${level(override.desiredCapacity)}, min ${level(override.minEntities)}, max ${level(override.maxEntities)} until ${utc(override.expiresAt)}, by ${override.who}: ${override.reason} `,
                        actionButton('Clear override', `Clear the override of ${s.name}`, async () => {
                            await call('DELETE', overridePath(group.id));
                            await refresh();
                        }, result));
        const activityPart = activity === undefined ? el('p', { class: 'hint' }, 'Activity: loading…')
            : activity instanceof Failure ? el('p', { class: 'error' }, `Activity: ${describe(activity)}`)
                : table(`Latest activity of ${s.name}`, ['At', 'Source', 'Kind', 'Outcome', 'Reason', 'Desired', 'Who', 'Message'], activity.map((a) => [
                    when(a.at), a.source, a.kind, el('span', { class: `outcome ${a.outcome}` }, a.outcome), el('code', {}, a.reason),
                    `${level(a.desiredBefore)} → ${level(a.desiredAfter)}`, a.who, a.message
                ]), 'No activity yet.');
        return el('article', { class: `group status-${s.status.toLowerCase()}`, 'data-group-id': group.id },
            el('h3', {}, s.name, ' ', el('span', { class: 'id' }, group.id)),
            el('dl', { class: 'state' },
                el('dt', {}, 'Status'), el('dd', {}, s.status, s.paused ? ' (paused)' : ''),
                el('dt', {}, 'Desired'), el('dd', { class: 'desired' }, String(s.desiredCapacity)),
                el('dt', {}, 'Active'), el('dd', { class: 'active' }, String(s.activeCapacity)),
                el('dt', {}, 'Pending'), el('dd', { class: 'pending' }, String(s.pendingCapacity)),
                el('dt', {}, 'Orphans'), el('dd', {}, String(s.orphans.length))),
            s.errors.length === 0 ? '' : el('ul', { class: 'errors', 'aria-label': `Errors of ${s.name}` }, ...s.errors.map((e) => el('li', {}, e.message))),
            el('p', { class: 'servers' }, `Servers: ${s.active.length === 0 ? 'none active' : s.active.map((server) => server.id).join(', ')}`),
            s.orphans.length === 0 ? '' : el('p', { class: 'error' }, `Orphans (servers of this group it no longer tracks): ${s.orphans.map((o) => o.id).join(', ')}`),
            overrideLine, result, activityPart);
    };

    const drawGroups = () => {
        const box = byId('groups');
        const groups = known.groups;
        const hint = !signedIn() ? 'Sign in and choose a tenant.' : tenant() === '' ? 'Choose a tenant.' : `The groups of ${tenant()} are not loaded yet.`;
        drawIfChanged('groups', { hint, groups, more: known.more, activity: [...known.activity], overrides: [...known.overrides] }, () => {
            box.replaceChildren(...(groups === null ? [el('p', { class: 'hint' }, hint)]
                : groups.length === 0 ? [el('p', { class: 'hint' }, `Tenant ${tenant()} has no groups.`)]
                    : [...groups.map(groupCard), ...(known.more ? [el('p', { class: 'hint' }, 'More groups exist than the first 100 shown here.')] : [])]));
        });
        // The override form's choice of group, keeping the one chosen.
        const select = /** @type {HTMLSelectElement} */ (byId('ov-group'));
        drawIfChanged('override-groups', groups?.map((g) => [g.id, g.state.name]) ?? [], () => {
            const chosen = select.value;
            select.replaceChildren(...(groups ?? []).map((g) => el('option', { value: g.id }, `${g.state.name} (${g.id})`)));
            if ((groups ?? []).some((g) => g.id === chosen)) {
                select.value = chosen;
            }
        });
    };

    // ---------------------------------------------------------------------
    // Loading: every part on its own; the round reports what failed.

    /** @type {Failure[]} */
    let roundFailures = [];
    let roundCalls = 0;

    /** @template T @param {Promise<T>} promise @returns {Promise<T | Failure>} */
    const settle = async (promise) => {
        roundCalls++;
        try {
            return await promise;
        }
        catch (err) {
            const failure = asFailure(err);
            roundFailures.push(failure);
            return failure;
        }
    };

    const loadGroups = async () => {
        const error = byId('groups-error');
        if (tenant() === '') {
            known.groups = null;
            return;
        }

        const answer = await settle(call('GET', `v1.0/${encodeURIComponent(tenant())}/groups`));
        if (answer instanceof Failure) {
            showError(error, `Groups: ${describe(answer)}${known.groups ? ' (showing the last data)' : ''}`);
            return;
        }

        showError(error, '');
        const body = /** @type {{ groups: Group[], groups_links: unknown[] }} */ (answer);
        known.groups = body.groups;
        known.more = body.groups_links.length > 0;
        drawGroups();   // at once; each group's activity and override follow
        await Promise.all(body.groups.map(async (group) => {
            const [activity, override] = await Promise.all([
                settle(call('GET', `${groupPath(group.id)}/activity?limit=${ACTIVITY_SHOWN}`)),
                settle(call('GET', overridePath(group.id)))
            ]);
            // A failure replaces nothing that was known; shown only when nothing was.
            if (!(activity instanceof Failure) || !Array.isArray(known.activity.get(group.id))) {
                known.activity.set(group.id, activity instanceof Failure ? activity : /** @type {{ activity: Activity[] }} */ (activity).activity);
            }

            if (!(override instanceof Failure) || known.overrides.get(group.id) === undefined || known.overrides.get(group.id) instanceof Failure) {
                known.overrides.set(group.id, override instanceof Failure ? override : /** @type {{ override: Override | null }} */ (override).override);
            }
        }));
    };

    const loadKillSwitches = async () => {
        const answer = await settle(call('GET', 'admin/kill-switches'));
        if (answer instanceof Failure) {
            showError(byId('kill-switches-error'), `Kill-switches: ${describe(answer)}`);
            return;
        }

        showError(byId('kill-switches-error'), '');
        const switches = /** @type {{ killSwitches: KillSwitch[] }} */ (answer).killSwitches;
        const result = byId('kill-switch-result');
        drawIfChanged('kill-switches', switches, () => byId('kill-switches').replaceChildren(
            table('Kill-switches in force', ['Scope', 'Mode', 'Reason', 'Set by', ''], switches.map((s) => [
                el('code', {}, s.scope), el('strong', {}, s.mode), s.reason, `${s.who}, ${s.expiresAt === null ? 'no expiry' : `until ${utc(s.expiresAt)}`}`,
                actionButton('Clear', `Clear kill-switch ${s.scope}`, async () => {
                    await call('DELETE', `admin/kill-switches/${encodeURIComponent(s.scope)}`);
                    result.textContent = `Cleared ${s.scope}.`;
                    await refresh();
                }, result)
            ]), 'No kill-switch in force: scaling runs normally.')));
    };

    const loadHistory = async () => {
        const box = byId('history');
        if (box.hidden) {
            return;
        }

        const answer = await settle(call('GET', `admin/kill-switches?history=true&limit=${HISTORY_SHOWN}`));
        if (answer instanceof Failure) {
            drawn.delete('history');
            box.replaceChildren(el('p', { class: 'error' }, `History: ${describe(answer)}`));
            return;
        }

        const history = /** @type {{ history: KillSwitchEvent[] }} */ (answer).history;
        drawIfChanged('history', history, () => box.replaceChildren(
            table(`Kill-switch history, newest first (last ${HISTORY_SHOWN})`, ['At', 'Action', 'Scope', 'Mode', 'Reason', 'Who', 'Expires'], history.map((e) => [
                when(e.at), e.action, el('code', {}, e.scope), e.mode, e.reason, e.who, when(e.expiresAt)
            ]), 'No kill-switch was ever set.')));
    };

    const loadInstances = async () => {
        const answer = await settle(call('GET', 'admin/instances'));
        if (answer instanceof Failure) {
            showError(byId('instances-error'), `Instances: ${describe(answer)}`);
            return;
        }

        showError(byId('instances-error'), '');
        const instances = /** @type {{ instances: Instance[] }} */ (answer).instances;
        drawIfChanged('instances', instances, () => byId('instances').replaceChildren(
            table('Plugin instances on this database', ['Host', 'PID', 'Started', 'Last seen', 'Leases'], instances.map((i) => [
                el('span', { title: i.id }, i.host), String(i.pid), when(i.startedAt), when(i.lastSeenAt), String(i.leases)
            ]), 'No live instance.')));
    };

    let lastUpdated = /** @type {Date | null} */ (null);

    const drawAge = () => {
        byId('age').textContent = lastUpdated === null ? '' : `(${Math.round((Date.now() - lastUpdated.getTime()) / 1000)} s ago)`;
    };

    // The banner: what the last round says about the service as a whole.
    /** @param {number} calls @param {Failure[]} failures */
    const drawConnection = (calls, failures) => {
        const banner = byId('connection');
        const outages = [...new Set(failures.map(outageOf).filter((text) => text !== null))];
        const partial = failures.length === 0 ? '' : failures.length === calls ? ` (all ${calls} calls failed; showing the last data)`
            : ` (${failures.length} of ${calls} calls failed; the rest is current)`;
        banner.className = `connection ${outages.length > 0 ? 'down' : failures.length > 0 ? 'partial' : 'up'}`;
        banner.textContent = outages.length > 0 ? `${outages.join('; ')}${partial}` : `Connected${partial}`;
    };

    const round = async () => {
        roundStartedAt = Date.now();
        if (!signedIn()) {
            byId('connection').className = 'connection idle';
            byId('connection').textContent = 'Not signed in';
            return;
        }

        roundFailures = [];
        roundCalls = 0;
        // A part that cannot read its answer fails alone, as a call would.
        await Promise.all([loadGroups(), loadKillSwitches(), loadHistory(), loadInstances()].map((part) => part.catch((err) => {
            roundFailures.push(new Failure('unreadable', 0, null, String(err)));
        })));
        drawGroups();
        if (roundFailures.length < roundCalls) {
            lastUpdated = new Date();
            byId('updated').textContent = utc(lastUpdated);
            byId('updated').setAttribute('datetime', lastUpdated.toISOString());
        }

        drawAge();
        drawConnection(roundCalls, roundFailures);
    };

    let roundStartedAt = 0;
    /** @type {Promise<void> | null} */
    let running = null;
    /** @type {Promise<void> | null} */
    let queued = null;

    // One round over every part at a time. Asked for during a round (after a
    // change through a form), it runs once more after it, to show the change.
    /** @returns {Promise<void>} */
    const refresh = () => {
        if (running !== null) {
            queued ??= running.then(() => {
                queued = null;
                return refresh();
            });
            return queued;
        }

        running = round().finally(() => {
            running = null;
        });
        return running;
    };

    // ---------------------------------------------------------------------
    // Forms.

    /** @param {string} id @returns {number | undefined} */
    const optionalNumber = (id) => {
        const value = inputById(id).value.trim();
        return value === '' ? undefined : Number(value);
    };

    /** @param {number} minutes */
    const inMinutes = (minutes) => new Date(Date.now() + minutes * 60_000).toISOString();

    /**
     * @param {string} id
     * @param {(form: HTMLFormElement) => Promise<void>} submit
     */
    const onSubmit = (id, submit) => {
        const form = /** @type {HTMLFormElement} */ (byId(id));
        form.addEventListener('submit', (event) => {
            event.preventDefault();
            const button = form.querySelector('button[type=submit]');
            button?.setAttribute('disabled', '');
            submit(form).finally(() => button?.removeAttribute('disabled'));
        });
    };

    const showSignedIn = () => {
        byId('sign-in').hidden = signedIn();
        byId('signed-in').hidden = !signedIn();
    };

    onSubmit('sign-in', async () => {
        sessionStorage.setItem(TOKEN_KEY, inputById('token').value.trim());
        inputById('token').value = '';
        showSignedIn();
        await refresh();
    });

    byId('sign-out').addEventListener('click', () => {
        sessionStorage.removeItem(TOKEN_KEY);
        known.groups = null;
        known.activity.clear();
        known.overrides.clear();
        drawn.clear();
        for (const part of ['kill-switches', 'history', 'instances']) {
            byId(part).replaceChildren();
        }

        drawGroups();
        showSignedIn();
        void refresh();
    });

    onSubmit('tenant-form', async () => {
        sessionStorage.setItem(TENANT_KEY, inputById('tenant').value.trim());
        known.groups = null;
        known.activity.clear();
        known.overrides.clear();
        drawGroups();
        await refresh();
    });

    onSubmit('kill-switch-form', async () => {
        const result = byId('kill-switch-result');
        const scope = inputById('ks-scope').value.trim();
        const mode = /** @type {HTMLSelectElement} */ (byId('ks-mode')).value;
        const expires = optionalNumber('ks-expires');
        result.textContent = '';
        try {
            await call('PUT', `admin/kill-switches/${encodeURIComponent(scope)}`, {
                mode, reason: inputById('ks-reason').value.trim(), ...(expires === undefined ? {} : { expiresAt: inMinutes(expires) })
            });
            result.textContent = `Set ${scope} (${mode}).`;
            await refresh();
        }
        catch (err) {
            result.textContent = describe(asFailure(err));
        }
    });

    onSubmit('override-form', async () => {
        const result = byId('override-result');
        const groupId = /** @type {HTMLSelectElement} */ (byId('ov-group')).value;
        const levels = { desiredCapacity: optionalNumber('ov-desired'), minEntities: optionalNumber('ov-min'), maxEntities: optionalNumber('ov-max') };
        result.textContent = '';
        try {
            await call('PUT', overridePath(groupId), {
                ...Object.fromEntries(Object.entries(levels).filter(([, value]) => value !== undefined)),
                reason: inputById('ov-reason').value.trim(),
                expiresAt: inMinutes(optionalNumber('ov-expires') ?? 60)
            });
            result.textContent = 'Override set.';
            await refresh();
        }
        catch (err) {
            result.textContent = describe(asFailure(err));
        }
    });

    byId('history-toggle').addEventListener('click', () => {
        const box = byId('history');
        box.hidden = !box.hidden;
        byId('history-toggle').setAttribute('aria-expanded', String(!box.hidden));
        byId('history-toggle').textContent = box.hidden ? 'Show history' : 'Hide history';
        drawn.delete('history');
        void refresh();
    });

    byId('refresh-now').addEventListener('click', () => void refresh());

    inputById('tenant').value = tenant();
    showSignedIn();
    drawGroups();
    // A round every REFRESH_MS from the start of the last, none while one runs.
    setInterval(() => {
        drawAge();
        if (inputById('auto-refresh').checked && running === null && Date.now() - roundStartedAt >= REFRESH_MS) {
            void refresh();
        }
    }, 1000);
    void refresh();
})();
