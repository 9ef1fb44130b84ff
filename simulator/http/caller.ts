// The caller of an OpenStack service, as keystonemiddleware hands it on: a
// valid, project-scoped token (anything else is answered 401 by the service).
import type { Project } from '../model/directory';
import type { SimState } from '../model/state';
import type { Viewer } from '../model/viewer';
import type { ValidToken } from '../keystone/tokens';
import { header, type SimRequest } from './messages';

export interface Caller {
    readonly token: ValidToken;
    readonly project: Project;
    readonly viewer: Viewer;
}

export const scopedCaller = (state: SimState, req: SimRequest): Caller | null => {
    const token = state.tokens.resolve(header(req, 'x-auth-token'), state.now(), state.directory);
    if (!token?.project) {
        return null;
    }

    return { token, project: token.project, viewer: { projectId: token.project.id, admin: token.roles.some((r) => r.name === 'admin') } };
};
