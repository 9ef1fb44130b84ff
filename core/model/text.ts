// Text PostgreSQL stores as given: no NUL (text and jsonb refuse it, a 500)
// and no lone UTF-16 surrogate (it would be stored as U+FFFD, not as written).
// Every string a request can put in the database is checked against this
// (plugin/schemas.ts, plugin/intake/alertmanager.ts).
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
export const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
