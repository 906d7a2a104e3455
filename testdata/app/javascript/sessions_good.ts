// Nothing in this file may be reported.
import session from "express-session";
import { RedisStore } from "connect-redis";
import { RedisStore as RateLimitStore } from "rate-limit-redis";

// disableTTL: true in a comment is not code
const a = new RedisStore({ client, disableTTL: false });
const b = new RedisStore({ client, disableTTL: process.env.DISABLE_TTL === "1" });
const c = new RateLimitStore({ sendCommand, disableTTL: true });
const base = { client, disableTTL: true };
const d = new RedisStore({ ...base, disableTTL: false });
const opts = { client } as const;
const e = new RedisStore(opts as any);

// A long ttl is overridden by the cookie's expiry.
const f = new RedisStore({ client, ttl: 365 * 86400 });
app.use(session({ store: f, secret, cookie: { maxAge: 7 * 86400 * 1000 } }));
// A long ttl with no session() call in this file: the cookie is unknown.
export const g = new RedisStore({ client, ttl: 365 * 86400 });
// ttl as a function wins over the cookie.
const h = new RedisStore({ client, ttl: (sess) => 3600 });
app.use(session({ store: h, secret, cookie: { maxAge: 365 * 86400 * 1000 } }));
// Session cookie with no maxAge: connect-redis applies its 1-day default.
app.use(session({ store: new RedisStore({ client }), secret, saveUninitialized: false }));
// ttl from the environment.
const i = new RedisStore({ client, ttl: Number(process.env.SESSION_TTL) });
app.use(session({ store: i, secret }));
