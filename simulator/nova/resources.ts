// /flavors and the deprecated /images proxy, each showing what the caller's
// project may use: Nova's flavor access, and Glance's image visibility.
import { novaError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import { atLeast } from './microversion';
import type { NovaCtx } from './context';
import { flavorDetail, flavorSummary, imageDetail, imageSummary } from './render';
import type { Params, Route } from '../http/router';
import { flavorVisible, imageListed, imageVisible, type Flavor } from '../model/resources';

const showFlavor = ({ state, req, version, viewer }: NovaCtx, params: Params): SimResponse => {
    const flavor = state.resources.flavor(params.id);
    return flavor && flavorVisible(flavor, viewer)
        ? json(200, { flavor: flavorDetail(req.origin, flavor, version) })
        : novaError(404, `Flavor ${params.id} could not be found.`);
};

// A project sees the public flavors and those it has access to. An admin sees
// the public ones unless it asks for ?is_public=false (private) or none (all).
const listedFlavors = ({ state, req, viewer }: NovaCtx): Flavor[] | SimResponse => {
    const flavors = state.resources.listFlavors();
    if (!viewer.admin) {
        return flavors.filter((f) => flavorVisible(f, viewer));
    }

    const asked = (req.query.get('is_public') ?? 'true').toLowerCase();
    if (asked === 'none') {
        return flavors;
    }

    const isPublic = ['true', 't', 'yes', 'y', 'on', '1'].includes(asked) ? true : ['false', 'f', 'no', 'n', 'off', '0'].includes(asked) ? false : null;
    return isPublic === null ? novaError(400, `Invalid is_public filter [${req.query.get('is_public')}]`) : flavors.filter((f) => f.isPublic === isPublic);
};

const flavors = (ctx: NovaCtx, detail: boolean): SimResponse => {
    const listed = listedFlavors(ctx);
    if (!Array.isArray(listed)) {
        return listed;
    }

    const { req, version } = ctx;
    return json(200, { flavors: listed.map((f) => detail ? flavorDetail(req.origin, f, version) : flavorSummary(req.origin, f, version)) });
};

// Nova removed its image proxy at 2.36: from then on these answer 404, as the real one does.
const imagesGone = (ctx: NovaCtx): SimResponse | null => atLeast(ctx.version, 36) ? novaError(404, 'The resource could not be found.') : null;

// The proxy asks Glance with the caller's token, so it lists and shows what Glance would.
const images = (ctx: NovaCtx, detail: boolean): SimResponse => {
    const { state, req, viewer } = ctx;
    const visible = state.resources.listImages().filter((i) => imageListed(i, viewer, null));
    return imagesGone(ctx) ?? json(200, { images: visible.map((i) => detail ? imageDetail(req.origin, i) : imageSummary(req.origin, i)) });
};

const showImage = (ctx: NovaCtx, params: Params): SimResponse => {
    const image = ctx.state.resources.image(params.id);
    return imagesGone(ctx) ?? (image && imageVisible(image, ctx.viewer) ? json(200, { image: imageDetail(ctx.req.origin, image) }) : novaError(404, 'Image not found.'));
};

export const resourceRoutes: readonly Route<NovaCtx>[] = [
    { method: 'GET', pattern: '/flavors', handler: (ctx) => flavors(ctx, false) },
    { method: 'GET', pattern: '/flavors/detail', handler: (ctx) => flavors(ctx, true) },
    { method: 'GET', pattern: '/flavors/:id', handler: showFlavor },
    { method: 'GET', pattern: '/images', handler: (ctx) => images(ctx, false) },
    { method: 'GET', pattern: '/images/detail', handler: (ctx) => images(ctx, true) },
    { method: 'GET', pattern: '/images/:id', handler: showImage }
];
