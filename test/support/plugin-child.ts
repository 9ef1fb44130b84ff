// One plugin instance in a process of its own (test/migrations-at-once.ts):
// the plugin on a Hapi server over DATABASE_URL, as a host mounts it. It is
// registered at once and says `ready`; it starts (migrations, then its loops)
// when the parent writes a line, says `instance <id>` and `started`, and
// stops at the next line, saying `stopped`. Anything that fails says `failed: ...` and exits 1.
import Hapi from '@hapi/hapi';
import { createInterface } from 'node:readline';
import { plugin } from '../../plugin';

const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
};

const main = async (): Promise<void> => {
    const server = Hapi.server();
    await server.register({
        plugin,
        options: {
            database: String(process.env.DATABASE_URL),
            // No request reaches it: a validator is all the options ask for.
            openstack: { tokenValidator: { validate: () => Promise.reject(new Error('no requests here')) } }
        }
    }, { routes: { prefix: '/autoscale' } });
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    say('ready');
    await lines.next();
    await server.initialize();
    say(`instance ${server.plugins['nova-autoscale'].engine.instances.self}`);
    say('started');
    await lines.next();
    await server.stop();
    say('stopped');
    process.stdin.destroy();
};

// Only as a child's main script: lab loads every file under test/, this one too.
if (require.main === module) {
    main().catch((err: unknown) => {
        say(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        process.exit(1);
    });
}
