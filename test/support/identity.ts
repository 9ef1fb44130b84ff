// Tokens for tests that are not about identity: a TokenValidator answering
// from a table. (Identity itself is tested against the simulator's Keystone.)
import type { TokenInfo, TokenValidator } from '../../core/ports/identity';

export const tableValidator = (tokens: Record<string, { projectId: string; roles?: string[]; user?: string }>): TokenValidator => ({
    validate: (token) => {
        const entry = tokens[token];
        const info: TokenInfo | null = entry ? {
            userId: entry.user ?? token,
            userName: entry.user ?? token,
            projectId: entry.projectId,
            projectName: entry.projectId,
            roles: entry.roles ?? ['member'],
            expiresAt: new Date(Date.now() + 3600_000)
        } : null;
        return Promise.resolve(info);
    }
});
