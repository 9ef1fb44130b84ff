// Where a demo host started in a test writes its log: kept (to read its
// lines) or dropped (the test's own output stays the reporter's).
import type { DestinationStream } from 'pino';

export interface LogCapture extends DestinationStream {
    readonly text: () => string;
    // Each line parsed as JSON; a line that is not is a failure of its own.
    readonly lines: () => Record<string, unknown>[];
}

export const captureLog = (): LogCapture => {
    const chunks: string[] = [];
    const text = (): string => chunks.join('');
    return {
        write: (msg: string) => {
            chunks.push(msg);
        },
        text,
        lines: () => text().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
    };
};

export const dropLog: DestinationStream = { write: () => undefined };
