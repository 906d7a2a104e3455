//! Memory units (filled in by the units work).
