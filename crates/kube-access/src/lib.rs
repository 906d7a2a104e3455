//! Kubernetes access for redis-audit.
