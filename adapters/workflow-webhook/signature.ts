// X-Autoscale-Signature (contract §7): t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
// The time is inside the MAC so a receiver can refuse an old delivery replayed
// later; the raw body is signed as sent, so a receiver must verify the bytes it
// read, before parsing them. A receiver, in Node:
//     const raw = await readRawBody(req);            // the bytes, not re-serialised JSON
//     if (!verify(req.headers['x-autoscale-signature'], secret, raw, Math.floor(Date.now() / 1000))) → 401
//     dedupe on req.headers['x-autoscale-delivery'], then JSON.parse(raw)
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (secret: string, unixSeconds: number, rawBody: string | Buffer): Buffer =>
    createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest();

export const sign = (secret: string, unixSeconds: number, rawBody: string | Buffer): string =>
    `t=${unixSeconds},v1=${mac(secret, unixSeconds, rawBody).toString('hex')}`;

// A receiver's check: a well-formed header, a time within toleranceS of now
// (either side: a clock ahead is as suspect as one behind), and a v1 that
// matches. Several v1 entries may stand in one header (as during a secret
// rotation); one match is enough.
export const verify = (header: string, secret: string, rawBody: string | Buffer, nowS: number, toleranceS = 300): boolean => {
    const parts = header.split(',').map((part) => part.trim().split('='));
    const times = parts.filter(([key]) => key === 't').map(([, value]) => value);
    const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value);
    if (times.length !== 1 || !/^\d{1,12}$/.test(times[0] ?? '') || signatures.length === 0) {
        return false;
    }

    const t = Number(times[0]);
    if (Math.abs(nowS - t) > toleranceS) {
        return false;
    }

    const expected = mac(secret, t, rawBody);
    let matched = false;
    for (const candidate of signatures) {
        const given = /^[0-9a-f]{64}$/i.test(candidate ?? '') ? Buffer.from(candidate as string, 'hex') : null;
        // Every candidate is compared, matched or not, so the time taken says nothing.
        matched = (given !== null && timingSafeEqual(given, expected)) || matched;
    }

    return matched;
};
