//! `path_open` with `O_TRUNC` and `O_APPEND` together (the `trunc_append`
//! program), in each tier: the file is truncated, every write appends, and
//! append mode reads back and can be switched off and on.

use crate::harness::{strategies, Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
open t.txt O_WRONLY|O_TRUNC|O_APPEND: OK
O_APPEND set: 1
fdstat: flags 0x1
size after open: 0
write first: OK
tell: 6
seek to 0: 0
write second: OK
tell: 13
t.txt contains 13 bytes: [first\\nsecond\\n]
clear O_APPEND: OK
O_APPEND set: 0
fdstat: flags 0
overwrite the first byte: OK
set O_APPEND: OK
O_APPEND set: 1
fdstat: flags 0x1
append after seeking to 0: OK
t.txt contains 14 bytes: [First\\nsecond\\n!]
create n.txt O_RDWR|O_TRUNC|O_APPEND: OK
O_APPEND set: 1
pread: 4 [abcd]
open a directory with O_TRUNC|O_APPEND: EISDIR
";

#[test]
fn truncate_and_append_together() {
    for strategy in strategies() {
        // Shown with the output of a failure, to say which tier failed.
        eprintln!("tier: {strategy:?}");
        let sandbox = Sandbox::new();
        let mut guest = Guest::new("trunc_append");
        guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
        guest.run_in(strategy).expect(0, EXPECTED);

        let dir = sandbox.dir();
        assert_eq!(std::fs::read(dir.join("t.txt")).unwrap(), b"First\nsecond\n!", "{strategy:?}");
        assert_eq!(std::fs::read(dir.join("n.txt")).unwrap(), b"abcd", "{strategy:?}");
    }
}
