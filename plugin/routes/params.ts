// Path ids, already checked by the route's joi schema, as branded ids.
import type { Request } from '@hapi/hapi';
import { GroupId, PolicyId, TenantId, WebhookId } from '../../core/model/ids';

const param = (request: Request, name: string): string => String(request.params[name] ?? '');

export const tenantIdOf = (request: Request): TenantId => TenantId(param(request, 'tenantId'));
export const groupIdOf = (request: Request): GroupId => GroupId(param(request, 'groupId'));
export const policyIdOf = (request: Request): PolicyId => PolicyId(param(request, 'policyId'));
export const webhookIdOf = (request: Request): WebhookId => WebhookId(param(request, 'webhookId'));
