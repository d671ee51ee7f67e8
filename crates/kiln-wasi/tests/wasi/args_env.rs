//! Arguments and environment variables.

use crate::harness::Guest;

#[test]
fn args() {
    let mut guest = Guest::new("args");
    guest.builder.args(["one", "two words", "", "ünïcode"]);
    guest.run().expect(
        0,
        "argc: 5\n\
         argv[0]: [args.wasm]\n\
         argv[1]: [one]\n\
         argv[2]: [two words]\n\
         argv[3]: []\n\
         argv[4]: [ünïcode]\n\
         args_sizes_get: 5 35\n",
    );
}

#[test]
fn no_args_at_all() {
    let mut guest = Guest::new("args");
    guest.builder = kiln_wasi::WasiCtxBuilder::new();
    let run = guest.run();
    assert_eq!(run.status, Some(0));
}

#[test]
fn env() {
    let mut guest = Guest::new("env");
    guest.builder.env("GREETING", "hello world").env("EMPTY", "").envs([("WITH_EQUALS", "a=b=c")]);
    guest.run().expect(
        0,
        "environ[0]: [GREETING=hello world]\n\
         environ[1]: [EMPTY=]\n\
         environ[2]: [WITH_EQUALS=a=b=c]\n\
         count: 3\n\
         getenv(GREETING): [hello world]\n\
         getenv(EMPTY): []\n\
         getenv(MISSING): (null)\n\
         getenv(WITH_EQUALS): [a=b=c]\n\
         environ_sizes_get: 3 46\n",
    );
}

#[test]
fn inherited_env() {
    // Only check that inheriting passes the host's variables through.
    let mut guest = Guest::new("env");
    guest.builder.inherit_env();
    let run = guest.run();
    assert_eq!(run.status, Some(0));
    let count = std::env::vars_os().count();
    assert!(run.stdout.contains(&format!("count: {count}\n")), "{}", run.stdout);
}
