//! Framework presets, each checked against the framework's own source (cited in its module).
//!
//! Selection presets map to a [`super::Selection`] and [`super::Action`]; trim presets remove
//! members of the framework's own sets with its own bookkeeping ([`super::trim`]).

pub mod bullmq;
pub mod celery;
pub mod rq;
pub mod sessions;
pub mod sidekiq;
