// Who a customer's token says they are, as Keystone answers it.
export interface TokenInfo {
    readonly userId: string;
    readonly userName: string;
    readonly projectId: string | null; // null: an unscoped token
    readonly projectName: string | null;
    readonly roles: readonly string[];
    readonly expiresAt: Date;
}

export interface TokenValidator {
    // null: Keystone says the token is not valid (expired, revoked, unknown).
    // Throws DomainError('unavailable') when Keystone cannot be asked.
    validate(token: string): Promise<TokenInfo | null>;
}
