// What the tests against ../shared/real-openstack share: whether it is up
// (OS_AUTH_URL set; the tests are skipped, and say so, when it is not), and a
// customer's sign-in to its Keystone.
import { type PasswordAccount, serviceAccountFromEnv } from '../../adapters/keystone/service-account';
import { KeystoneSession } from '../../adapters/keystone/session';

const env = process.env;

export const skip = !env.OS_AUTH_URL;
export const titled = (title: string): string => (skip ? `${title} (skipped: OS_AUTH_URL unset)` : title);

export interface Customer {
    readonly session: KeystoneSession;
    readonly token: string;
    readonly projectId: string;
}

export const signIn = async (authUrl: string, user: string, password: string, project: string): Promise<Customer> => {
    const session = new KeystoneSession({
        authUrl, username: user, password, userDomainName: 'Default', projectName: project, projectDomainName: 'Default', interface: 'public'
    });
    const token = await session.token();
    return { session, token: token.value, projectId: token.projectId ?? '' };
};

// The customer of tenant-a (or whom REAL_OS_CUSTOMER_* name).
export const customerOf = (authUrl: string): Promise<Customer> =>
    signIn(authUrl, env.REAL_OS_CUSTOMER_USER ?? 'alice', env.REAL_OS_CUSTOMER_PASSWORD ?? 'secret', env.REAL_OS_CUSTOMER_PROJECT ?? 'tenant-a');

// The service account ../shared/real-openstack exports: a password one, whose
// scope the tests read and change.
export const passwordAccount = (): PasswordAccount => {
    const account = serviceAccountFromEnv(env);
    if (account === null || account.kind === 'application_credential') {
        throw new Error('the real OpenStack tests need the service account as OS_USERNAME + OS_PASSWORD');
    }

    return account;
};
