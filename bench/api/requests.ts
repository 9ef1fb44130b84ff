// What both servers are asked: the same paths, headers and bodies.

// Ids here are plain ([a-z0-9-]); the floor also builds its route templates ('{tenantId}') with these.
export const groupsPath = (tenantId: string): string => `/autoscale/v1.0/${tenantId}/groups`;
export const groupPath = (tenantId: string, groupId: string): string => `${groupsPath(tenantId)}/${groupId}`;

// A valid Otter create body with no policies. minEntities 0, so nothing would
// ever ask Nova for a server and the run measures the API alone.
export const createGroupBody = JSON.stringify({
    groupConfiguration: { name: 'web', cooldown: 60, minEntities: 0, maxEntities: 10, metadata: { team: 'web' } },
    launchConfiguration: {
        type: 'launch_server',
        args: { server: { name: 'web', flavorRef: '1', imageRef: '6f1b6a4e-0c55-4b52-9f43-3b0d8e0a7c21', networks: 'none' } }
    }
});

// The body shape the floor reads without validating it.
export interface CreateGroupBody {
    readonly groupConfiguration: {
        readonly name: string;
        readonly cooldown: number;
        readonly minEntities: number;
        readonly maxEntities?: number | null;
        readonly metadata?: Readonly<Record<string, string>>;
    };
    readonly launchConfiguration: unknown;
}

// The group id in a create answer ({group: {id}}), from either server.
export const createdId = (answer: unknown): string => {
    const group: unknown = typeof answer === 'object' && answer !== null ? (answer as { group?: unknown }).group : undefined;
    const id: unknown = typeof group === 'object' && group !== null ? (group as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') {
        throw new Error(`a create answer without group.id: ${JSON.stringify(answer).slice(0, 200)}`);
    }

    return id;
};
