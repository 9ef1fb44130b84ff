// How the guards of a process reach the cluster's shared state: the store,
// the cloud, who we are, and where trouble is told. The database may be slow or gone; a
// guard never waits on it longer than a deadline, and says so once per
// outage, not once per call.
import type { Log } from '../../core/engine/log';
import type { ClusterGuardStore } from './cluster-store';

// Long enough for a busy database (PGlite queues every statement behind one
// connection), short enough that a silently cut connection does not stall a
// Nova call for the driver's own timeouts (a minute or more).
export const CLUSTER_DEADLINE_MS = 5000;

export class ClusterLink {
    private down = false;

    constructor(
        readonly store: ClusterGuardStore,
        readonly cloud: string,                    // the service account's Keystone URL: whose regions
        readonly instance: string,                 // unique per process: whose holds are whose
        private readonly log: Log,
        private readonly deadlineMs = CLUSTER_DEADLINE_MS
    ) {}

    // `work` within the deadline, or its error. The first failure
    // after a success is logged, and the first success after a failure.
    async reach<T>(what: string, work: (store: ClusterGuardStore) => Promise<T>): Promise<T> {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${this.deadlineMs} ms`)), this.deadlineMs);
        });
        try {
            const result = await Promise.race([work(this.store), deadline]);
            if (this.down) {
                this.down = false;
                this.log(['cluster', 'guard', 'info'], 'The cluster\'s guard state (holds, creation budgets) can be reached again');
            }

            return result;
        }
        catch (err) {
            if (!this.down) {
                this.down = true;
                this.log(['cluster', 'guard', 'error'], `The cluster's guard state cannot be reached (${what}: ${String(err)}): creates are refused, and only the holds this instance knows apply, until it can`);
            }

            throw err;
        }
        finally {
            clearTimeout(timer);
        }
    }
}
