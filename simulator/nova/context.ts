import type { Project } from '../model/directory';
import type { SimRequest } from '../http/messages';
import type { Version } from './microversion';
import type { SimState } from '../model/state';
import type { ValidToken } from '../keystone/tokens';
import type { Viewer } from '../model/viewer';

// What a compute handler knows: the authenticated, project-scoped caller and the negotiated version.
export interface NovaCtx {
    readonly state: SimState;
    readonly req: SimRequest;
    readonly token: ValidToken;
    readonly project: Project;
    readonly viewer: Viewer;
    readonly version: Version;
}
