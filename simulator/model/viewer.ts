// Who is asking, as the services' default policies see it: the token's project,
// and whether the token holds the admin role. 'context_is_admin: role:admin'
// in Nova, Glance and Neutron makes an admin on any project an admin everywhere.
export interface Viewer {
    readonly projectId: string;
    readonly admin: boolean;
}
