//! `kubectl-redis_audit`: the kubectl plugin binary (`kubectl redis-audit ...`). The command
//! line lives in the library (lib.rs), shared with the `redis-audit` binary.

fn main() -> std::process::ExitCode {
    redis_audit::main()
}
