//! connect-redis session stores: `disableTTL: true`, and a session lifetime so long that every
//! visitor's session stays in Redis for months.
//!
//! Every construction style is recognised: `new RedisStore({...})` with `RedisStore` from
//! `import { RedisStore } from "connect-redis"` (v8+), `import RedisStore from "connect-redis"`
//! (v7), `require("connect-redis").default`, `const { RedisStore } = require(...)`, and the
//! v3..v6 factory `require("connect-redis")(session)`.
//!
//! The TTL connect-redis writes (v4 .. v9 `_getTTL`/`getTTL`): a `ttl` function wins; else the
//! time left until the session cookie expires (set from express-session `cookie.maxAge`);
//! else `ttl`, else 86400 s. So a long `ttl` is reported only when the `session({...})` call
//! using the store is in the file and its cookie has no `maxAge`/`expires`, and a long
//! `cookie.maxAge` is reported only when the store is a connect-redis store without a `ttl`
//! function.

use findings::Finding;
use tree_sitter::Node;

use super::{File, LibVal, Obj, Prop, args, strip};
use crate::app::retention::{self, Value};

pub fn check(file: &File<'_, '_>, out: &mut Vec<Finding>) {
    let stores = file.constructions(false, is_store_class);
    let sessions = session_configs(file, "express-session");
    for &store in &stores {
        let Obj::Object(opts) = file.object(args(store).first().copied()) else { continue };
        if let Prop::Found { value, at } = file.prop(opts, "disableTTL")
            && let Some(disabled) = file.boolean(value, 0)
        {
            let row = &retention::CONNECT_REDIS_DISABLE_TTL;
            if let Some(message) = row.judge(&format!("`disableTTL: {disabled}`"), Value::Bool(disabled)) {
                out.push(file.src.finding(row.rule, at, message));
                continue;
            }
        }
        let ttl = file.prop(opts, "ttl");
        let session = sessions.iter().find(|(_, s)| uses_store(file, *s, store)).map(|(cfg, _)| *cfg);
        match ttl {
            Prop::Found { value, at } => {
                let Some(seconds) = file.number(value, 0) else { continue };
                // The cookie's expiry wins over `ttl`: only report when the cookie has none.
                let Some(cfg) = session else { continue };
                let cookie = file.sub_object(Obj::Object(cfg), "cookie");
                let no_expiry = match cookie {
                    Obj::Absent => true,
                    Obj::Object(c) => {
                        matches!(file.prop(c, "maxAge"), Prop::Absent)
                            && matches!(file.prop(c, "expires"), Prop::Absent)
                    }
                    Obj::Unknown => false,
                };
                let row = &retention::CONNECT_REDIS_TTL;
                if no_expiry
                    && let Some(message) = row.judge(&format!("`ttl: {seconds}`"), Value::Number(seconds))
                {
                    out.push(file.src.finding(row.rule, at, message));
                }
            }
            Prop::Absent => {
                let Some(cfg) = session else { continue };
                let Obj::Object(cookie) = file.sub_object(Obj::Object(cfg), "cookie") else { continue };
                let Prop::Found { value, at } = file.prop(cookie, "maxAge") else { continue };
                let Some(ms) = file.number(value, 0) else { continue };
                let row = &retention::EXPRESS_SESSION_COOKIE_MAX_AGE;
                if let Some(message) = row.judge(&format!("cookie `maxAge: {ms}`"), Value::Number(ms)) {
                    out.push(file.src.finding(row.rule, at, message));
                }
            }
            Prop::Unknown => {}
        }
    }
}

/// `RedisStore` from connect-redis, whatever the import style.
fn is_store_class(v: LibVal<'_>) -> bool {
    matches!(v, LibVal::Module("connect-redis") | LibVal::Export("connect-redis", "RedisStore" | "default"))
}

/// The options objects of `session({...})` calls of session middleware `module` (the module or
/// its default export), each with its `store` value.
pub(super) fn session_configs<'t>(file: &File<'_, 't>, module: &str) -> Vec<(Node<'t>, Node<'t>)> {
    file.nodes
        .iter()
        .filter(|n| n.kind() == "call_expression")
        .filter_map(|&call| {
            let function = call.child_by_field_name("function")?;
            match file.lib_value(function, 0)? {
                LibVal::Module(m) | LibVal::Export(m, "default") if m == module => {}
                _ => return None,
            }
            let Obj::Object(cfg) = file.object(args(call).first().copied()) else { return None };
            match file.prop(cfg, "store") {
                Prop::Found { value, .. } => Some((cfg, value)),
                _ => None,
            }
        })
        .collect()
}

/// Whether a session's `store:` value is this store construction (inline or through a `const`).
pub(super) fn uses_store(file: &File<'_, '_>, value: Node<'_>, store: Node<'_>) -> bool {
    let mut v = strip(value);
    for _ in 0..super::MAX_DEPTH {
        if v.id() == store.id() {
            return true;
        }
        match v.kind() {
            "identifier" | "shorthand_property_identifier" => match file.const_value(file.text(v)) {
                Some(init) => v = strip(init),
                None => return false,
            },
            _ => return false,
        }
    }
    false
}
