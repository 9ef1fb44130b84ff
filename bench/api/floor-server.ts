// The floor: a bare Hapi server, no plugin, no auth, no validation, doing the
// one INSERT (create) or the one SELECT (get) of a group row through knex.
import Hapi from '@hapi/hapi';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { groupPath, groupsPath, type CreateGroupBody } from './requests';

interface GroupRecord {
    id: string;
    tenant_id: string;
    name: string;
    cooldown: number;
    min_entities: number;
    max_entities: number | null;
    metadata: Record<string, string>;
    launch: unknown;
}

export const floorServer = async (knex: Knex, tenantId: string): Promise<Hapi.Server> => {
    // groups.tenant_id references tenants: the plugin counts groups on this row per create; the floor only needs it to exist.
    await knex.raw('INSERT INTO tenants (id, created_at) VALUES (?, now()) ON CONFLICT (id) DO NOTHING', [tenantId]);

    const server = Hapi.server({ host: '127.0.0.1', port: 0 });
    server.route([
        {
            method: 'POST',
            path: groupsPath('{tenantId}'),
            handler: async (request, h) => {
                const tenant = request.params.tenantId as string;
                const body = request.payload as CreateGroupBody;
                const config = body.groupConfiguration;
                const id = randomUUID();
                const now = new Date();
                await knex('groups').insert({
                    id, tenant_id: tenant, name: config.name, cooldown: config.cooldown, min_entities: config.minEntities,
                    max_entities: config.maxEntities ?? null, metadata: JSON.stringify(config.metadata ?? {}),
                    launch: JSON.stringify(body.launchConfiguration), desired: config.minEntities, created_at: now, updated_at: now
                });
                const self = `http://${request.info.host}${groupPath(tenant, id)}/`;
                return h.response({ group: { id, links: [{ href: self, rel: 'self' }], groupConfiguration: config, launchConfiguration: body.launchConfiguration } })
                    .code(201).location(self);
            }
        },
        {
            method: 'GET',
            path: groupPath('{tenantId}', '{groupId}'),
            handler: async (request, h) => {
                const row: GroupRecord | undefined = await knex('groups')
                    .where({ tenant_id: request.params.tenantId as string, id: request.params.groupId as string })
                    .first('id', 'tenant_id', 'name', 'cooldown', 'min_entities', 'max_entities', 'metadata', 'launch');
                if (!row) {
                    return h.response({ error: { code: 404, type: 'NoSuchScalingGroupError', message: 'not found', details: {} } }).code(404);
                }

                return {
                    group: {
                        id: row.id,
                        links: [{ href: `http://${request.info.host}${groupPath(row.tenant_id, row.id)}/`, rel: 'self' }],
                        groupConfiguration: { name: row.name, cooldown: row.cooldown, minEntities: row.min_entities, maxEntities: row.max_entities, metadata: row.metadata },
                        launchConfiguration: row.launch
                    }
                };
            }
        }
    ]);
    return server;
};
