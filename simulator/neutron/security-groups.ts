// GET /v2.0/security-groups and /v2.0/security-groups/{id}: a project's own
// groups. Listing makes the project's default group first, as Neutron does.
import { neutronError } from '../http/errors';
import { json, type SimResponse } from '../http/messages';
import type { Params, Route } from '../http/router';
import { securityGroupVisible } from '../model/security-groups';
import type { NeutronCtx } from './context';
import { applyQuery } from './query';
import { securityGroupBody } from './render';

const ATTRIBUTES = securityGroupBody({ id: '', projectId: '', name: '', description: '', created: new Date(0) });

const show = ({ state, caller }: NeutronCtx, { id }: Params): SimResponse => {
    const group = state.securityGroups.get(id);
    return group && securityGroupVisible(group, caller.viewer)
        ? json(200, { security_group: securityGroupBody(group) })
        : neutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
};

const list = ({ state, req, caller }: NeutronCtx): SimResponse => {
    const { viewer } = caller;
    // Neutron makes the default group of the project listed (the filter's, else the caller's).
    const asked = req.query.get('project_id') ?? req.query.get('tenant_id') ?? viewer.projectId;
    if ((asked === viewer.projectId || viewer.admin) && state.directory.project(asked)) {
        state.securityGroups.ensureDefault(asked, state.now());
    }

    const visible = state.securityGroups.list().filter((g) => securityGroupVisible(g, viewer)).map(securityGroupBody);
    const groups = applyQuery(req.query, visible, ATTRIBUTES);
    return Array.isArray(groups) ? json(200, { security_groups: groups }) : groups;
};

export const securityGroupRoutes: readonly Route<NeutronCtx>[] = [
    { method: 'GET', pattern: '/v2.0/security-groups', handler: list },
    { method: 'GET', pattern: '/v2.0/security-groups/:id', handler: show }
];
