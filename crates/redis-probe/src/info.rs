//! `INFO` text as typed values: sections of raw `field:value` strings plus parsers for the
//! structured fields (`cmdstat_*`, `errorstat_*`, `db<N>`) and the server's version.
//!
//! The format is the one written by `genRedisInfoString()` in redis/redis `src/server.c`
//! (Valkey: `genValkeyInfoString()`): `# Section` headers, `field:value` lines ending in CRLF,
//! a blank line between sections. Fields come and go between versions (Redis 7.4 adds
//! `subexpiry=` to `db<N>`, 8.2 adds `db<N>_distrib_*` lines to Keyspace, Valkey 9 adds
//! `keys_with_volatile_items=`), so parsing keeps every field as text and never fails: unknown
//! fields are kept, lines that are neither headers nor `field:value` are skipped.
//!
//! Valkey reports `redis_version:7.2.4` for client compatibility next to its own
//! `valkey_version`; [`Info::version`] prefers the latter. Captured outputs from Redis 6.2-8.2
//! and Valkey 7.2-9.1 are in `testdata/redis-info/`.
//!
//! Must not talk to a server: this only reads text.

use std::collections::BTreeMap;

use serde::Serialize;

/// A parsed `INFO` reply: section name (lowercase) -> field -> raw value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Info {
    sections: BTreeMap<String, BTreeMap<String, String>>,
    /// Section names in the order the server wrote them, so [`Info::get`] finds fields in
    /// the server's order rather than alphabetically.
    #[serde(skip)]
    order: Vec<String>,
}

/// One `cmdstat_<command>` line of INFO commandstats. `rejected_calls` and `failed_calls`
/// exist since Redis 6.2 (0 on older servers).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommandStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// One `db<N>` line of INFO keyspace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbStat {
    pub db: u32,
    pub keys: u64,
    pub expires: u64,
    /// Average TTL of the keys with an expiry, estimated by the active expire cycle
    /// (milliseconds; 0 until the cycle has sampled the db).
    pub avg_ttl_ms: u64,
}

impl Info {
    /// Parses INFO text. Accepts CRLF or LF line ends; lines before the first header go to a
    /// section named `""`. Never panics.
    pub fn parse(text: &str) -> Info {
        let mut info = Info::default();
        let mut current = String::new();
        for raw in text.lines() {
            let line = raw.trim();
            if let Some(header) = line.strip_prefix('#') {
                current = header.trim().to_ascii_lowercase();
                info.section_mut(&current);
                continue;
            }
            let Some((field, value)) = line.split_once(':') else { continue };
            let field = field.trim();
            if field.is_empty() || field.contains(char::is_whitespace) {
                continue;
            }
            info.section_mut(&current).entry(field.to_string()).or_insert_with(|| value.trim().to_string());
        }
        info
    }

    fn section_mut(&mut self, name: &str) -> &mut BTreeMap<String, String> {
        if !self.sections.contains_key(name) {
            self.order.push(name.to_string());
        }
        self.sections.entry(name.to_string()).or_default()
    }

    /// Sections in the server's order.
    fn in_order(&self) -> impl Iterator<Item = &BTreeMap<String, String>> {
        self.order.iter().filter_map(|name| self.sections.get(name))
    }

    /// The raw value of `field` (exact name), from the first section that has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.in_order().find_map(|s| s.get(field)).map(String::as_str)
    }

    /// `field` as an unsigned integer; `None` when missing, negative (`-1` means "never" in
    /// fields such as `rdb_last_bgsave_time_sec`) or not a number.
    pub fn u64(&self, field: &str) -> Option<u64> {
        self.get(field)?.parse().ok()
    }

    /// `field` as a finite float (`mem_fragmentation_ratio:1.47`).
    pub fn f64(&self, field: &str) -> Option<f64> {
        self.get(field)?.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// One section by its lowercase name (`"memory"`, `"commandstats"`).
    pub fn section(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.sections.get(name)
    }

    /// `"valkey"` or `"redis"`. Valkey 7.2.5+ writes `server_name:valkey` and every Valkey
    /// writes `valkey_version`; Redis writes neither.
    pub fn server_name(&self) -> &str {
        let named_valkey = self.get("server_name").is_some_and(|n| n.eq_ignore_ascii_case("valkey"));
        if named_valkey || self.get("valkey_version").is_some() { "valkey" } else { "redis" }
    }

    /// The server's own version: `valkey_version` on Valkey, `redis_version` otherwise.
    /// Missing components count as 0 (`7.2` is 7.2.0); trailing text is ignored
    /// (`8.6.2-rc1` is 8.6.2).
    pub fn version(&self) -> Option<(u32, u32, u32)> {
        let valkey = if self.server_name() == "valkey" { self.get("valkey_version") } else { None };
        parse_version(valkey.or_else(|| self.get("redis_version"))?)
    }

    /// `cmdstat_<command>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..`
    /// keyed by the lowercase command name; subcommands as Redis 7 writes them
    /// (`config|get`).
    pub fn commandstats(&self) -> BTreeMap<String, CommandStat> {
        self.prefixed("cmdstat_")
            .map(|(name, value)| {
                let f = |key| number_in(value, key).unwrap_or(0);
                let stat = CommandStat {
                    calls: f("calls"),
                    usec: f("usec"),
                    rejected_calls: f("rejected_calls"),
                    failed_calls: f("failed_calls"),
                };
                (name.to_ascii_lowercase(), stat)
            })
            .collect()
    }

    /// `errorstat_<CODE>:count=N` (Redis 6.2+) keyed by the error code as written (`OOM`,
    /// `WRONGTYPE`, `NOPERM`).
    pub fn errorstats(&self) -> BTreeMap<String, u64> {
        self.prefixed("errorstat_")
            .filter_map(|(code, value)| Some((code.to_string(), number_in(value, "count")?)))
            .collect()
    }

    /// `db<N>:keys=..,expires=..,avg_ttl=..` lines sorted by db. Lines such as Redis 8.2's
    /// `db0_distrib_strings_sizes` are not databases and are skipped.
    pub fn keyspace(&self) -> Vec<DbStat> {
        let mut dbs: Vec<DbStat> = self
            .prefixed("db")
            .filter_map(|(n, value)| {
                Some(DbStat {
                    db: n.parse().ok()?,
                    keys: number_in(value, "keys")?,
                    expires: number_in(value, "expires").unwrap_or(0),
                    avg_ttl_ms: number_in(value, "avg_ttl").unwrap_or(0),
                })
            })
            .collect();
        dbs.sort_by_key(|d| d.db);
        dbs.dedup_by_key(|d| d.db);
        dbs
    }

    /// `(rest of the field name, value)` for every field starting with `prefix`, in any
    /// section (so `INFO commandstats` alone, or text without headers, works too).
    fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.in_order()
            .flat_map(move |s| s.iter().filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.as_str()))))
    }
}

/// The number after `key=` in a comma-separated `k=v` list.
fn number_in(list: &str, key: &str) -> Option<u64> {
    list.split(',').find_map(|kv| kv.split_once('=').filter(|(k, _)| k.trim() == key)?.1.trim().parse().ok())
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.trim().split('.').map(|p| {
        let digits = &p[..p.bytes().take_while(u8::is_ascii_digit).count()];
        digits.parse::<u32>().ok()
    });
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_fields_and_garbage() {
        let info = Info::parse(
            "# Server\r\nredis_version:7.0.15\r\nexecutable:/usr/bin/redis-server\r\n\r\nnot a field\r\n\
             # Memory\nused_memory:1000\nmaxmemory_policy:noeviction\n: empty name\nmem_fragmentation_ratio:1.50\n\
             # Keyspace\ndb10:keys=3,expires=1,avg_ttl=5\ndb0:keys=1,expires=0,avg_ttl=0,subexpiry=0\n\
             db0_distrib_strings_sizes:4=40\ndbx:keys=1\n",
        );
        assert_eq!(info.get("executable"), Some("/usr/bin/redis-server"));
        assert_eq!(info.u64("used_memory"), Some(1000));
        assert_eq!(info.f64("mem_fragmentation_ratio"), Some(1.5));
        assert_eq!(info.u64("maxmemory_policy"), None);
        assert_eq!(info.version(), Some((7, 0, 15)));
        assert_eq!(info.server_name(), "redis");
        assert_eq!(info.section("memory").map(BTreeMap::len), Some(3));
        let dbs: Vec<_> = info.keyspace().iter().map(|d| (d.db, d.keys)).collect();
        assert_eq!(dbs, [(0, 1), (10, 3)]);
    }

    #[test]
    fn valkey_version_wins_on_valkey() {
        let info = Info::parse("# Server\nredis_version:7.2.4\nserver_name:valkey\nvalkey_version:8.1.8\n");
        assert_eq!((info.server_name(), info.version()), ("valkey", Some((8, 1, 8))));
        assert_eq!(parse_version("8.6.2-rc1"), Some((8, 6, 2)));
        assert_eq!(parse_version("7"), Some((7, 0, 0)));
        assert_eq!(parse_version("x.1"), None);
    }

    #[test]
    fn command_and_error_stats() {
        let info = Info::parse(
            "# Commandstats\ncmdstat_KEYS:calls=2,usec=9,usec_per_call=4.50,rejected_calls=1,failed_calls=0\n\
             cmdstat_config|get:calls=5,usec=50,usec_per_call=10.00\n# Errorstats\nerrorstat_OOM:count=3\n\
             errorstat_BAD:count=x\n",
        );
        let stats = info.commandstats();
        assert_eq!(stats["keys"], CommandStat { calls: 2, usec: 9, rejected_calls: 1, failed_calls: 0 });
        assert_eq!(stats["config|get"].calls, 5);
        assert_eq!(info.errorstats().into_iter().collect::<Vec<_>>(), [("OOM".to_string(), 3)]);
    }
}
