//! Operator custom resources (filled in by the operators work).

use super::{Instance, configmaps::ConfigMapIndex, manifests::BadValue};
use crate::source::Object;

/// Instances of one operator CR, or none when `obj` is not one.
pub fn extract(_obj: &Object<'_>, _configmaps: &ConfigMapIndex, _bad: &mut Vec<BadValue>) -> Option<Vec<Instance>> {
    None
}
