// /flavors and the deprecated /images proxy.
import { novaError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import { atLeast } from './microversion';
import type { NovaCtx } from './context';
import { flavorDetail, flavorSummary, imageDetail, imageSummary } from './render';
import type { Params, Route } from '../http/router';

const showFlavor = ({ state, req, version }: NovaCtx, params: Params): SimResponse => {
    const flavor = state.resources.flavor(params.id);
    return flavor ? json(200, { flavor: flavorDetail(req.origin, flavor, version) }) : novaError(404, `Flavor ${params.id} could not be found.`);
};

// Nova removed its image proxy at 2.36: from then on these answer 404, as the real one does.
const imagesGone = (ctx: NovaCtx): SimResponse | null => atLeast(ctx.version, 36) ? novaError(404, 'The resource could not be found.') : null;

const images = (ctx: NovaCtx, detail: boolean): SimResponse => {
    const { state, req } = ctx;
    return imagesGone(ctx) ?? json(200, { images: state.resources.listImages().map((i) => detail ? imageDetail(req.origin, i) : imageSummary(req.origin, i)) });
};

const showImage = (ctx: NovaCtx, params: Params): SimResponse => {
    const image = ctx.state.resources.image(params.id);
    return imagesGone(ctx) ?? (image ? json(200, { image: imageDetail(ctx.req.origin, image) }) : novaError(404, 'Image not found.'));
};

export const resourceRoutes: readonly Route<NovaCtx>[] = [
    { method: 'GET', pattern: '/flavors', handler: ({ state, req, version }) => json(200, { flavors: state.resources.listFlavors().map((f) => flavorSummary(req.origin, f, version)) }) },
    { method: 'GET', pattern: '/flavors/detail', handler: ({ state, req, version }) => json(200, { flavors: state.resources.listFlavors().map((f) => flavorDetail(req.origin, f, version)) }) },
    { method: 'GET', pattern: '/flavors/:id', handler: showFlavor },
    { method: 'GET', pattern: '/images', handler: (ctx) => images(ctx, false) },
    { method: 'GET', pattern: '/images/detail', handler: (ctx) => images(ctx, true) },
    { method: 'GET', pattern: '/images/:id', handler: showImage }
];
