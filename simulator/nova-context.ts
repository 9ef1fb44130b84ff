import type { Project } from './directory';
import type { SimRequest } from './http';
import type { Version } from './microversion';
import type { SimState } from './state';
import type { ValidToken } from './tokens';

// What a compute handler knows: the authenticated, project-scoped caller and the negotiated version.
export interface NovaCtx {
    readonly state: SimState;
    readonly req: SimRequest;
    readonly token: ValidToken;
    readonly project: Project;
    readonly version: Version;
}
