// Who may write (contract §10, OpenStack's personas): every role on the project
// reads; a write needs a writer's role there, `member` or the older `_member_`,
// or the admin role. Role names compare without case, as oslo.policy's role: check does.
const WRITER_ROLES: readonly string[] = ['member', '_member_'];

export const mayWrite = (roles: readonly string[], adminRole: string): boolean =>
    roles.some((role) => WRITER_ROLES.includes(role.toLowerCase()) || role.toLowerCase() === adminRole.toLowerCase());
