// Run the demo simulator as its own process (node dist/simulator/main.js):
// it prints its addresses as one JSON line and is then driven over /_sim.
import { startSimulator, type Simulator } from './index';

export const runFromEnv = async (env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<Simulator> => {
    const sim = await startSimulator({
        port: Number(env.PORT ?? 0),
        buildDelayMs: Number(env.SIM_BUILD_DELAY_MS ?? 0),
        deleteDelayMs: Number(env.SIM_DELETE_DELAY_MS ?? 0),
        memberDelayMs: Number(env.SIM_MEMBER_DELAY_MS ?? 0),
        region: env.SIM_REGION ?? 'RegionOne',
        demo: true
    });
    print(JSON.stringify({
        authUrl: sim.authUrl, computeUrl: sim.computeUrl, imageUrl: sim.imageUrl, networkUrl: sim.networkUrl, loadBalancerUrl: sim.loadBalancerUrl,
        controlUrl: sim.controlUrl, region: sim.region
    }));
    return sim;
};

/* $lab:coverage:off$ */
if (require.main === module) {
    runFromEnv(process.env, (line) => process.stdout.write(`${line}\n`)).then((sim) => {
        const stop = (): void => void sim.stop().then(() => process.exit(0));
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
    }, (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
    });
}
/* $lab:coverage:on$ */
