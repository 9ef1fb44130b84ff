// The demo host's numeric environment (examples/demo-env.ts): each variable
// lands where the README says, and a bad one stops the start with an error
// that names it.
import * as Code from '@hapi/code';
import * as Lab from '@hapi/lab';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inEnvTerms, numericOptionsFromEnv } from '../examples/demo-env';
import { startDemoHost } from '../examples/demo-host';
import { dropLog } from './support/log-sink';

const { describe, it } = exports.lab = Lab.script();
const { expect } = Code;

describe('demo host environment', () => {
    it('puts each number where the plugin takes it, and leaves unset ones to its defaults', () => {
        expect(numericOptionsFromEnv({
            AUTOSCALE_CREATES_PER_S: '2.5', AUTOSCALE_CREATE_BURST: '4', AUTOSCALE_CREATES_IN_FLIGHT: '8', AUTOSCALE_PARALLEL_GROUPS: '16',
            AUTOSCALE_BREAKER_ERROR_PERCENT: '40', AUTOSCALE_BREAKER_VOLUME: '6', AUTOSCALE_BREAKER_CONSECUTIVE_FAILURES: '3', AUTOSCALE_BREAKER_RESET_MS: '7000',
            AUTOSCALE_LEASE_TTL_S: ' 12 ', AUTOSCALE_CONVERGE_INTERVAL_S: '60'
        })).to.equal({
            converger: {
                parallelGroups: 16,
                createBudget: { createsPerS: 2.5, burst: 4, maxInFlight: 8 },
                breaker: { errorThresholdPercentage: 40, volumeThreshold: 6, consecutiveFailures: 3, resetTimeoutMs: 7000 }
            },
            cluster: { leaseTtlS: 12 },
            intervals: { convergeS: 60 }
        });
        expect(numericOptionsFromEnv({ PORT: '8080' })).to.equal({});
    });

    it('refuses a LOG_LEVEL pino does not have, before anything starts', async () => {
        await expect(startDemoHost({ PORT: '0', LOG_LEVEL: 'loud' }, dropLog)).to.reject('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, not "loud"');
    });

    it('refuses a value that is not a number, naming the variable', () => {
        for (const raw of ['ten', '', '1e400', '3s']) {
            expect(() => numericOptionsFromEnv({ AUTOSCALE_CREATES_PER_S: raw })).to.throw(`AUTOSCALE_CREATES_PER_S must be a number, not "${raw}"`);
        }
    });

    it('names the variable when the plugin refuses what it set, and leaves other errors as they are', () => {
        const refused = new Error('nova-autoscale options: "converger.breaker.volumeThreshold" must be greater than or equal to 1');
        const named = inEnvTerms(refused, { AUTOSCALE_BREAKER_VOLUME: '0' });
        expect(named).to.be.an.error(`AUTOSCALE_BREAKER_VOLUME=0: ${refused.message}`);
        expect((named as Error).cause).to.shallow.equal(refused);
        expect(inEnvTerms(refused, {})).to.shallow.equal(refused);
        expect(inEnvTerms('not an error', {})).to.equal('not an error');
    });

    it('starts with the tuning in force, and will not start with a budget the plugin refuses', { timeout: 60_000 }, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'demo-env-'));
        const base = { PORT: '0', AUTOSCALE_DATA_DIR: dataDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) };
        try {
            await expect(startDemoHost({ ...base, AUTOSCALE_CREATES_PER_S: '0' }, dropLog)).to.reject(/^AUTOSCALE_CREATES_PER_S=0: nova-autoscale options: "converger.createBudget.createsPerS" must be greater than 0/);
            const host = await startDemoHost({ ...base, AUTOSCALE_CREATES_PER_S: '3', AUTOSCALE_PARALLEL_GROUPS: '2', AUTOSCALE_BREAKER_CONSECUTIVE_FAILURES: '4' }, dropLog);
            try {
                const { converger } = host.server.plugins['nova-autoscale'].settings;
                expect([converger.createBudget.createsPerS, converger.parallelGroups, converger.breaker.consecutiveFailures]).to.equal([3, 2, 4]);
            }
            finally {
                await host.server.stop();
            }
        }
        finally {
            rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
