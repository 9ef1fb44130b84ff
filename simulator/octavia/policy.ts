// Octavia's default policy (octavia/policies/keystone_default_roles.py, with
// the deprecated load-balancer_* roles it still honours): reading a project's
// load balancers, listeners, pools and members takes reader or member on that
// project, changing them member; the admin role, on any project, may do
// either everywhere. Keystone implies reader from member and member from
// admin, as the role lists of its tokens show; the simulator's tokens carry
// only the roles granted, so the implication is made here.
// Unlike Nova and Neutron, Octavia answers 403, not 404, for another project's object.
import type { Caller } from '../http/caller';

const READERS: ReadonlySet<string> = new Set(['reader', 'member', 'admin', 'load-balancer_observer', 'load-balancer_member']);
const WRITERS: ReadonlySet<string> = new Set(['member', 'admin', 'load-balancer_member']);

export type Action = 'read' | 'write';

export const FORBIDDEN = 'Policy does not allow this request to be performed.';

export const allowed = (caller: Caller, projectId: string, action: Action): boolean => {
    if (caller.viewer.admin) {
        return true;
    }

    const roles = action === 'read' ? READERS : WRITERS;
    return caller.project.id === projectId && caller.token.roles.some((r) => roles.has(r.name));
};
