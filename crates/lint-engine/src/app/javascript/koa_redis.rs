//! Koa sessions in Redis that never expire: koa-generic-session with a koa-redis store, no
//! `ttl`, and a cookie `maxAge` of `null` or `0`.
//!
//! Facts (koajs/generic-session 2.3.1, koajs/koa-redis 4.0.1):
//! - `session({ store, ttl, cookie })` (`src/session.js`): the cookie options are the user's,
//!   with the defaults (`maxAge` one day) copied in only for keys not given, so an explicit
//!   `maxAge: null` stays `null`.
//! - `Store#set` (`src/store.js`): the TTL is `ttl` (a number or a function) when truthy, else the
//!   cookie's `maxAge` when it is a number, else `expires - now`; otherwise none.
//! - koa-redis `RedisStore.prototype.set` (`src/index.js`): `SETEX` only `if (ttl)`, else a
//!   plain `SET`: with no TTL (or `0`) every session stays in Redis forever.
//!
//! koa-session (v6+) is not paired here: it awaits the store's methods, and koa-redis's are
//! generator functions, so that pairing never writes through koa-redis at all.

use findings::Finding;
use tree_sitter::Node;

use super::connect_redis::{session_configs, uses_store};
use super::{File, LibVal, Obj, Prop, strip};
use crate::app::retention::{self, Value};

pub fn check(file: &File<'_, '_>, out: &mut Vec<Finding>) {
    if !file.imports_any(&["koa-redis"]) {
        return;
    }
    let stores = file.constructions(true, |v| {
        matches!(v, LibVal::Module("koa-redis") | LibVal::Export("koa-redis", "default"))
    });
    if stores.is_empty() {
        return;
    }
    for (cfg, store) in session_configs(file, "koa-generic-session") {
        if !stores.iter().any(|&s| uses_store(file, store, s)) {
            continue;
        }
        // A truthy `ttl` (a number or a function) bounds every session.
        match file.prop(cfg, "ttl") {
            Prop::Absent => {}
            Prop::Found { value, .. } if is_null(value) || file.number(value, 0) == Some(0.0) => {}
            _ => continue,
        }
        // No cookie options: the default one-day maxAge applies.
        let Obj::Object(cookie) = file.sub_object(Obj::Object(cfg), "cookie") else { continue };
        if !matches!(file.prop(cookie, "expires"), Prop::Absent) {
            continue;
        }
        let max_age = match file.prop(cookie, "maxAge") {
            Prop::Absent => file.prop(cookie, "maxage"),
            found => found,
        };
        let Prop::Found { value, at } = max_age else { continue };
        let read = if is_null(value) { Some(Value::Null) } else { file.number(value, 0).map(Value::Number) };
        let row = &retention::KOA_REDIS_SESSION_TTL;
        if let Some(message) = read.and_then(|v| row.judge(&format!("cookie `{}`", file.text(at)), v)) {
            out.push(file.src.finding(row.rule, at, message));
        }
    }
}

fn is_null(n: Node<'_>) -> bool {
    strip(n).kind() == "null"
}
