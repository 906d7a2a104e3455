//! Source texts of the files findings point into.

use std::{collections::BTreeMap, sync::Arc};

/// Path (as in [`findings::Location::File`]) to file text.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: BTreeMap<String, Arc<str>>,
}

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<String>, text: Arc<str>) {
        self.files.insert(path.into(), text);
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(|t| &**t)
    }
}
