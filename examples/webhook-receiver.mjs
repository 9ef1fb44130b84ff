// A customer's webhook receiver (contract §7), Node only, no dependencies:
// WEBHOOK_SECRET=<the workflow's secret> PORT=8090 node examples/webhook-receiver.mjs
// It checks X-Autoscale-Signature over the raw bytes, refuses one more than
// 5 minutes off, and answers `continue`: the server goes in service (launch)
// or its delete goes on (terminate). Deliveries come at least once: real work
// would dedupe on X-Autoscale-Delivery first.
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
    throw new Error('set WEBHOOK_SECRET to the workflow\'s secret');
}

// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
const signed = (header, raw) => {
    const { t = '', v1 = '' } = Object.fromEntries(String(header ?? '').split(',').map((part) => part.trim().split('=', 2)));
    const expected = createHmac('sha256', secret).update(`${t}.`).update(raw).digest();
    const given = Buffer.from(v1, 'hex');
    const fresh = /^\d{1,12}$/.test(t) && Math.abs(Date.now() / 1000 - Number(t)) <= 300;
    return fresh && given.length === expected.length && timingSafeEqual(given, expected);
};

const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) {
        chunks.push(chunk);
    }

    if (!signed(req.headers['x-autoscale-signature'], Buffer.concat(chunks))) {
        res.writeHead(401).end();
        return;
    }

    res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"continue"}');
});

server.listen(Number(process.env.PORT ?? 8090), process.env.HOST ?? '127.0.0.1', () => {
    const { address, port } = server.address();
    process.stdout.write(`webhook receiver listening on http://${address}:${port}\n`);
});
