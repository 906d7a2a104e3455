//! `redis-audit`: the same program as `kubectl-redis_audit` under its own name, for use
//! without kubectl (`redis-audit lint`, CI, pre-commit). See lib.rs.

fn main() -> std::process::ExitCode {
    redis_audit::main()
}
