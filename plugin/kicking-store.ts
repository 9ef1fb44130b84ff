// The store as the plugin's routes and alert intake see it: every write that
// can move a group's desired capacity (or ask for a converge) kicks the
// converger for that group once it has committed. One place, so no accepted
// decision can forget to.
import type { GroupId } from '../core/model/ids';
import type { Store } from '../core/ports/store';

export const kickingStore = (store: Store, kick: (groupId: GroupId) => void): Store => ({
    ...store,
    // A new group's desired is its minimum: that is something to converge to.
    createGroup: async (...args) => {
        const created = await store.createGroup(...args);
        if (created.group.state.desiredCapacity > 0) {
            kick(created.group.id);
        }

        return created;
    },
    trigger: async (request, rules) => {
        const result = await store.trigger(request, rules);
        if (result.outcome === 'accepted' && !result.replay) {
            kick(request.groupId);
        }

        return result;
    },
    setOverride: async (tenantId, groupId, ...rest) => {
        await store.setOverride(tenantId, groupId, ...rest);
        kick(groupId);
    },
    clearOverride: async (tenantId, groupId, ...rest) => {
        await store.clearOverride(tenantId, groupId, ...rest);
        kick(groupId);
    },
    updateConfig: async (tenantId, groupId, ...rest) => {
        await store.updateConfig(tenantId, groupId, ...rest);
        kick(groupId);
    },
    setPaused: async (tenantId, groupId, paused, who) => {
        await store.setPaused(tenantId, groupId, paused, who);
        if (!paused) {
            kick(groupId); // resume brings it back and converges (contract §3)
        }
    },
    requestConverge: async (tenantId, groupId, who) => {
        const result = await store.requestConverge(tenantId, groupId, who);
        if (!result.paused) {
            kick(groupId);
        }

        return result;
    },
    removeServer: async (tenantId, groupId, serverId, removal) => {
        const result = await store.removeServer(tenantId, groupId, serverId, removal);
        if (result.outcome === 'accepted') {
            kick(groupId);
        }

        return result;
    },
    deleteGroup: async (tenantId, groupId, force, who) => {
        const result = await store.deleteGroup(tenantId, groupId, force, who);
        if (result === 'deleting') {
            kick(groupId);
        }

        return result;
    }
});
