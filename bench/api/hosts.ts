// The parent's side of a server host: fork it, wait for its port, ask it things.
import * as Path from 'node:path';
import { forkHost, nextEvent, stopChild } from '../shared/child';
import { HOST_CONFIG_ENV, type HostCommand, type HostConfig, type HostEvent, type HostUsage } from '../shared/protocol';

export interface Host {
    readonly role: HostConfig['role'];
    readonly origin: string;
    reset(): Promise<number>;
    usage(): Promise<HostUsage>;
    stop(): Promise<void>;
}

const TIMEOUT_MS = 60_000;

export const startHost = async (config: HostConfig): Promise<Host> => {
    const { child, ready } = await forkHost<HostEvent>(Path.join(__dirname, 'host.js'), HOST_CONFIG_ENV, config, 'bench host', TIMEOUT_MS);
    const send = (command: HostCommand): void => {
        child.send(command);
    };
    const next = <T extends HostEvent['type']>(type: T) => nextEvent<HostEvent, T>(child, type, 'bench host', TIMEOUT_MS);

    return {
        role: config.role,
        origin: `http://127.0.0.1:${ready.port}`,
        reset: async () => {
            const answer = next('reset-done');
            send({ type: 'reset' });
            return (await answer).groupsBefore;
        },
        usage: async () => {
            const answer = next('usage');
            send({ type: 'usage' });
            return (await answer).usage;
        },
        stop: () => stopChild(child)
    };
};
