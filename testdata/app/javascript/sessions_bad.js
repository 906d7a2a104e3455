// connect-redis v3..v6 factory, v7 default import, v8+ named import: each line marked
// with an expect comment must give that rule.
const session = require("express-session");
const RedisStore = require("connect-redis")(session);
const { RedisStore: NamedStore } = require("connect-redis");
const DefaultStore = require("connect-redis").default;
const connectRedis = require("connect-redis");
const FactoryStore = connectRedis(session);

const a = new RedisStore({ client, disableTTL: true }); // expect: connect-redis-ttl-disabled
const b = new NamedStore({ client, disableTTL: true }); // expect: connect-redis-ttl-disabled
const c = new DefaultStore({ client, disableTTL: true }); // expect: connect-redis-ttl-disabled
const d = new FactoryStore({ client, disableTTL: true }); // expect: connect-redis-ttl-disabled
const e = new (require("connect-redis")(session))({ client, disableTTL: true }); // expect: connect-redis-ttl-disabled
const NEVER = true;
const f = new RedisStore({ client, disableTTL: NEVER }); // expect: connect-redis-ttl-disabled

const longStore = new NamedStore({
  client,
  ttl: 31_536_000, // expect: connect-redis-ttl-long
});
app.use(session({ store: longStore, secret, cookie: { secure: true } }));

const cookieStore = new NamedStore({ client });
app.use(session({ store: cookieStore, secret, cookie: { maxAge: 400 * 24 * 3600 * 1000 } })); // expect: connect-redis-ttl-long
