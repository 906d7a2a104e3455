//! Framework presets, each checked against the framework's own source (cited in its module).
