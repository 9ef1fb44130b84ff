// The token validator the built-in Keystone scheme uses: the host's own, or
// Keystone asked as the service account.
import { KeystoneSession } from '../adapters/keystone/session';
import { KeystoneTokenValidator } from '../adapters/keystone/token-validator';
import type { TokenValidator } from '../core/ports/identity';
import type { Settings } from './options';

export const tokenValidatorFor = (settings: Settings): TokenValidator => {
    if (settings.openstack.tokenValidator) {
        return settings.openstack.tokenValidator;
    }

    if (!settings.openstack.serviceAccount) {
        throw new Error('nova-autoscale options: give openstack.serviceAccount (or openstack.tokenValidator, or auth.strategy)');
    }

    return new KeystoneTokenValidator(new KeystoneSession(settings.openstack.serviceAccount, { clock: settings.clock }));
};
