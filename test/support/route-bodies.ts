// A valid body for each route of the plugin that takes one, by method and
// route path (as server.table() gives them): the auth matrix and the
// database outage send every route one.
import { demoImageId } from '../../simulator';
import { validGroup, webhookPolicy } from './server';

export const bodyFor = (method: string, path: string): unknown => {
    if (method === 'POST' && path.endsWith('/groups')) {
        return { ...validGroup(), launchConfiguration: { type: 'launch_server', args: { server: { flavorRef: '1', imageRef: demoImageId } } } };
    }

    if (path.endsWith('/config')) {
        return validGroup().groupConfiguration;
    }

    if (path.endsWith('/launch')) {
        return validGroup().launchConfiguration;
    }

    if (method === 'POST' && path.endsWith('/policies')) {
        return [webhookPolicy()];
    }

    if (method === 'PUT' && path.endsWith('{policyId}')) {
        return webhookPolicy('renamed', 2);
    }

    if (method === 'POST' && path.endsWith('/webhooks')) {
        return [{ name: 'w' }];
    }

    if (method === 'PUT' && path.endsWith('{webhookId}')) {
        return { name: 'renamed' };
    }

    if (method === 'PUT' && path.endsWith('/workflow')) {
        return { type: 'builtin' };
    }

    if (method === 'PUT' && path.endsWith('/override')) {
        return { desiredCapacity: 2, reason: 'matrix', expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    }

    if (method === 'POST' && path.endsWith('/execute') && path.startsWith('/autoscale/admin/')) {
        return { force: true, reason: 'matrix' };
    }

    if (method === 'PUT' && path.endsWith('/kill-switches/{scope}')) {
        return { mode: 'scale-up', reason: 'matrix' };
    }

    return undefined;
};
