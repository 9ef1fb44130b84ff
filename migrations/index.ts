// The schema's history, in order. Names carry no file extension so that a run
// from TypeScript sources and one from compiled JavaScript record the same rows.
import type { Knex } from 'knex';
import * as foundation from './001_foundation';
import * as supervisor from './002_supervisor';
import * as convergence from './003_convergence';
import * as backoff from './004_backoff';
import * as overrideSource from './005_override_source';
import * as alertEventScope from './006_alert_event_scope';
import * as triggerEventScope from './007_trigger_event_scope';
import * as workflows from './008_workflows';
import * as circleBackWarmUp from './009_circle_back_warm_up';
import * as workflowDeliveries from './010_workflow_deliveries';
import * as instances from './011_instances';
import * as schedules from './012_schedules';
import * as clusterGuards from './013_cluster_guards';
import * as leaseGeneration from './014_lease_generation';
import * as killSwitchHistory from './015_kill_switch_history';
import * as groupWatcher from './016_group_watcher';
import * as budgetUnlogged from './017_budget_unlogged';

export interface Migration {
    readonly name: string;
    readonly up: (knex: Knex) => Promise<void>;
    readonly down: (knex: Knex) => Promise<void>;
}

export const migrations: readonly Migration[] = [
    { name: '001_foundation', ...foundation },
    { name: '002_supervisor', ...supervisor },
    { name: '003_convergence', ...convergence },
    { name: '004_backoff', ...backoff },
    { name: '005_override_source', ...overrideSource },
    { name: '006_alert_event_scope', ...alertEventScope },
    { name: '007_trigger_event_scope', ...triggerEventScope },
    { name: '008_workflows', ...workflows },
    { name: '009_circle_back_warm_up', ...circleBackWarmUp },
    { name: '010_workflow_deliveries', ...workflowDeliveries },
    { name: '011_instances', ...instances },
    { name: '012_schedules', ...schedules },
    { name: '013_cluster_guards', ...clusterGuards },
    { name: '014_lease_generation', ...leaseGeneration },
    { name: '015_kill_switch_history', ...killSwitchHistory },
    { name: '016_group_watcher', ...groupWatcher },
    { name: '017_budget_unlogged', ...budgetUnlogged }
];
