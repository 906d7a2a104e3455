// Real express + express-session + connect-redis (node-redis) for `cleanup_sessions.rs`.
// Usage (NODE_PATH=<workloads>/node/node_modules):
//   node express_sessions.js PORT fill N_DEFAULT N_LEGACY -> JSON {default: [sid], legacy: [sid]}
//     default: prefix "sess:" (connect-redis default), ttl 86400 (the cookie has no maxAge)
//     legacy:  prefix "legacyapp:sess:", disableTTL: true (plain SET, never expires)
//   node express_sessions.js PORT get PREFIX SID...        -> JSON {sid: session or null}
//     reads through the store's own get() (a GET: it does not touch the TTL)
"use strict";
const express = require("express");
const session = require("express-session");
const { RedisStore } = require("connect-redis");
const { createClient } = require("redis");

const [port, what, ...args] = process.argv.slice(2);

async function fill(client, nDefault, nLegacy) {
  const stores = {
    default: new RedisStore({ client }),
    legacy: new RedisStore({ client, prefix: "legacyapp:sess:", disableTTL: true }),
  };
  const app = express();
  for (const [name, store] of Object.entries(stores)) {
    const r = express.Router();
    r.use(session({ store, name: `${name}.sid`, secret: "test secret", resave: false, saveUninitialized: false }));
    r.get("/login", (req, res) => {
      req.session.userId = Number(req.query.u);
      res.json({ sid: req.sessionID });
    });
    app.use(`/${name}`, r);
  }
  const server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  const out = { default: [], legacy: [] };
  for (const [name, n] of [["default", nDefault], ["legacy", nLegacy]]) {
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${base}/${name}/login?u=${i}`);
      if (r.status !== 200) throw new Error(`login -> ${r.status}`);
      out[name].push((await r.json()).sid);
    }
  }
  await new Promise((resolve) => server.close(resolve));
  return out;
}

async function get(client, prefix, sids) {
  const store = new RedisStore({ client, prefix });
  const out = {};
  for (const sid of sids) out[sid] = (await store.get(sid)) ?? null;
  return out;
}

async function main() {
  const client = createClient({ url: `redis://127.0.0.1:${port}/0` });
  client.on("error", (e) => console.error("redis error", e));
  await client.connect();
  const out = what === "fill" ? await fill(client, Number(args[0]), Number(args[1])) : await get(client, args[0], args.slice(1));
  await client.quit();
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
