// koa-generic-session with koa-redis: a null or zero cookie maxAge without `ttl` makes
// koa-redis write sessions with a plain SET.
const Koa = require("koa");
const session = require("koa-generic-session");
const redisStore = require("koa-redis");

const app = new Koa();
const store = redisStore({ url: process.env.SESSION_REDIS_URL });

app.use(session({
  store,
  cookie: {
    maxAge: null, // expect: koa-redis-session-without-ttl
  },
}));

app.use(session({
  store: redisStore({ host: "sessions" }),
  ttl: 0,
  cookie: { maxage: 0 }, // expect: koa-redis-session-without-ttl
}));

// Bounded: none of these is reported.
// A `ttl` wins over a browser-session cookie.
app.use(session({ store, ttl: 7 * 24 * 3600 * 1000, cookie: { maxAge: null } }));
// A function `ttl` is called per session.
app.use(session({ store, ttl: (sess) => sess.remember ? 30 * 86400000 : 86400000, cookie: { maxAge: null } }));
// No cookie options: the default one-day maxAge.
app.use(session({ store }));
// A maxAge from the environment cannot be known.
app.use(session({ store, cookie: { maxAge: Number(process.env.SESSION_MAX_AGE) } }));
// An explicit expiry date.
app.use(session({ store, cookie: { maxAge: null, expires: new Date("2030-01-01") } }));
// Another store: koa-redis is not involved.
app.use(session({ store: new MemoryStore(), cookie: { maxAge: null } }));
