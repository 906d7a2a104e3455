//! ConfigMaps of every scanned manifest, so a workload in one file can be joined with the
//! redis.conf a ConfigMap in another file provides.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
};

use crate::{
    redis_conf::{self, Directive, OffsetMap},
    source::{Object, YamlSource, embedded_text},
};

/// One `data` entry of a ConfigMap.
#[derive(Debug, Clone)]
pub struct DataEntry {
    pub key: String,
    pub text: String,
    pub path: String,
    pub map: OffsetMap,
    /// Span of the data key (`redis.conf:`), where findings about the whole entry point.
    pub key_span: findings::Span,
}

impl DataEntry {
    pub fn directives(&self) -> Vec<Directive> {
        redis_conf::parse(&self.text, &self.map)
    }

    pub fn is_redis_conf(&self) -> bool {
        (self.key.ends_with(".conf") || self.key.contains("redis") || self.key.contains("valkey"))
            && redis_conf::looks_like_redis_conf(&self.text)
            && !redis_conf::is_sentinel_conf(&self.text)
    }
}

#[derive(Debug, Clone)]
pub struct ConfigMap {
    pub name: String,
    pub namespace: Option<String>,
    /// File the ConfigMap is defined in.
    pub path: String,
    pub entries: Vec<DataEntry>,
}

impl ConfigMap {
    pub fn entry(&self, key: &str) -> Option<&DataEntry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// ConfigMaps by name.
#[derive(Debug, Default)]
pub struct ConfigMapIndex {
    by_name: HashMap<String, Vec<ConfigMap>>,
    /// Names looked up by an extractor: those ConfigMaps are linted through their consumer.
    used: Mutex<HashSet<String>>,
}

impl ConfigMapIndex {
    pub fn build<'a>(sources: impl IntoIterator<Item = &'a YamlSource>) -> Self {
        let mut index = ConfigMapIndex::default();
        for src in sources {
            for obj in src.objects() {
                if obj.kind() == "ConfigMap" {
                    index.add(&obj);
                }
            }
        }
        index
    }

    fn add(&mut self, obj: &Object<'_>) {
        let doc = obj.doc;
        let mut entries = Vec::new();
        if let Some(data) = doc.get(obj.node, "data") {
            for (k, v) in doc.entries(data) {
                let (Some(key), Some((text, map))) = (doc.str(k), embedded_text(obj.src, doc, v)) else {
                    continue;
                };
                entries.push(DataEntry {
                    key: key.to_string(),
                    text,
                    path: obj.src.path.clone(),
                    map,
                    key_span: doc.span(k),
                });
            }
        }
        let cm = ConfigMap {
            name: obj.name().to_string(),
            namespace: obj.namespace().map(str::to_string),
            path: obj.src.path.clone(),
            entries,
        };
        self.by_name.entry(cm.name.clone()).or_default().push(cm);
    }

    /// The ConfigMap `name` as seen from a consumer in `namespace` defined in file `near`.
    ///
    /// Repositories often hold several copies of the same objects (one directory per cluster or
    /// environment), so among ConfigMaps of that name in a compatible namespace (the same, or
    /// unset as in `helm template` output) the one in the same file wins, then the one whose
    /// directory is closest to the consumer's.
    pub fn get(&self, name: &str, namespace: Option<&str>, near: &str) -> Option<&ConfigMap> {
        if let Ok(mut used) = self.used.lock() {
            used.insert(name.to_string());
        }
        let compatible = |c: &&ConfigMap| {
            namespace.is_none() || c.namespace.is_none() || c.namespace.as_deref() == namespace
        };
        // max_by_key keeps the last maximum; reversing keeps the first in scan order on ties.
        self.by_name
            .get(name)?
            .iter()
            .rev()
            .filter(compatible)
            .max_by_key(|c| (c.path == near, shared_dirs(&c.path, near), c.namespace.as_deref() == namespace))
    }

    /// Whether an extractor looked this ConfigMap up (mounted it, referenced it).
    pub fn is_used(&self, name: &str) -> bool {
        self.used.lock().is_ok_and(|u| u.contains(name))
    }

    pub fn all(&self) -> impl Iterator<Item = &ConfigMap> {
        self.by_name.values().flatten()
    }
}

/// Number of leading directory components two paths share.
fn shared_dirs(a: &str, b: &str) -> usize {
    let (da, db) = (a.rsplit_once('/').map_or("", |d| d.0), b.rsplit_once('/').map_or("", |d| d.0));
    da.split('/').zip(db.split('/')).take_while(|(x, y)| x == y).count()
}
