// GET /v2/images and /v2/images/{id}, each image seen only by the projects
// Glance's default policy lets see it (404 otherwise, never 403).
import type { Caller } from '../http/caller';
import { glanceError } from '../http/errors';
import { json, type SimRequest, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import { imageListed, imageVisible } from '../model/resources';
import type { SimState } from '../model/state';
import type { ImageVisibility } from '../model/types';
import { imageBody } from './render';

export interface GlanceCtx {
    readonly state: SimState;
    readonly req: SimRequest;
    readonly caller: Caller;
}

const DEFAULT_LIMIT = 25;   // glance-api.conf limit_param_default
const MAX_LIMIT = 1000;     // api_limit_max

const show = ({ state, caller }: GlanceCtx, { id }: Params): SimResponse => {
    const image = state.resources.image(id);
    return image && imageVisible(image, caller.viewer) ? json(200, imageBody(image)) : glanceError(404, `No image found with ID ${id}`);
};

const VISIBILITY_FILTERS: readonly (ImageVisibility | 'all')[] = ['public', 'private', 'shared', 'community', 'all'];

const list = ({ state, req, caller }: GlanceCtx): SimResponse => {
    const { query } = req;
    const visibility = query.get('visibility');
    if (visibility !== null && !(VISIBILITY_FILTERS as readonly string[]).includes(visibility)) {
        return glanceError(400, `Invalid visibility value: ${visibility}`);
    }

    const limit = parseLimit(query.get('limit'));
    if (typeof limit === 'string') {
        return glanceError(400, limit);
    }

    const name = query.get('name');
    const owner = query.get('owner');
    // Glance's default order: newest first, then id.
    let images = state.resources.listImages()
        .filter((i) => imageListed(i, caller.viewer, visibility) && (name === null || i.name === name) && (owner === null || i.owner === owner))
        .sort((a, b) => b.created.getTime() - a.created.getTime() || (a.id < b.id ? 1 : -1));
    const marker = query.get('marker');
    if (marker !== null) {
        const at = images.findIndex((i) => i.id === marker);
        if (at < 0) {
            return glanceError(400, `Invalid marker. Image ${marker} could not be found.`);
        }

        images = images.slice(at + 1);
    }

    const page = images.slice(0, limit);
    const body: Record<string, unknown> = { images: page.map(imageBody), first: '/v2/images', schema: '/v2/schemas/images' };
    const last = page[page.length - 1];
    // Like Glance, a full page names the next one, even when nothing follows.
    if (last && page.length === limit) {
        const next = new URLSearchParams(query);
        next.set('marker', last.id);
        body.next = `/v2/images?${next.toString()}`;
    }

    return json(200, body);
};

const parseLimit = (value: string | null): number | string => {
    if (value === null) {
        return DEFAULT_LIMIT;
    }

    if (!/^-?\d+$/.test(value.trim())) {
        return 'limit param must be an integer';
    }

    const limit = Number(value);
    return limit < 0 ? 'limit param must be positive' : Math.min(limit, MAX_LIMIT);
};

export const imageRoutes: readonly Route<GlanceCtx>[] = [
    { method: 'GET', pattern: '/v2/images', handler: list },
    { method: 'GET', pattern: '/v2/images/:id', handler: show }
];
