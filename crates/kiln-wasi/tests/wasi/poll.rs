//! poll_oneoff: clock timeouts that really wait, files and stdio that are
//! ready at once, and errors (the `poll` program).

use crate::harness::{Guest, Sandbox};
use kiln_wasi::{DirPerms, FilePerms};

const EXPECTED: &str = "\
nanosleep 50 ms: OK
slept at least 50 ms: 1, less than 5 s: 1
20 ms and 10 s: OK, 1 events [userdata 1 type 0 error 0]
waited at least 20 ms: 1, less than 5 s: 1
monotonic deadline in 30 ms: OK, 1 events [userdata 3 type 0 error 0]
waited at least 30 ms: 1
realtime deadline a second ago: OK, 1 events [userdata 4 type 0 error 0]
at once: 1
realtime 5 ms: OK, 1 events [userdata 5 type 0 error 0]
file read/write, stdout, stdin: OK, 4 events [userdata 6 type 1 error 0 nbytes 7 flags 0] [userdata 7 type 2 error 0 nbytes 1 flags 0] [userdata 8 type 2 error 0 nbytes 1 flags 0] [userdata 9 type 1 error 0 nbytes 1 flags 0]
file at its end: OK, 1 events [userdata 10 type 1 error 0 nbytes 0 flags 1]
10 s or a file: OK, 1 events [userdata 12 type 1 error 0 nbytes 0 flags 1]
at once: 1
no subscriptions: EINVAL
process cputime clock: EINVAL, 0 events
unknown clock flag: EINVAL, 0 events
closed fd: EBADF, 0 events
reading stdout: EBADF, 0 events
reading a directory: EBADF, 0 events
unknown event type: EINVAL, 0 events
poll stdout: 1, POLLOUT 1
poll nothing for 25 ms: 0, waited at least 25 ms: 1
";

#[test]
fn poll_oneoff() {
    let sandbox = Sandbox::new();
    let mut guest = Guest::new("poll");
    guest.builder.preopened_dir(sandbox.dir(), "/sandbox", DirPerms::all(), FilePerms::all()).unwrap();
    let start = std::time::Instant::now();
    guest.run().expect(0, EXPECTED);
    // 50 + 20 + 30 + 5 + 25 ms of sleeping, and never the 10 s timeouts.
    let elapsed = start.elapsed();
    assert!(elapsed >= std::time::Duration::from_millis(130), "{elapsed:?}");
    assert!(elapsed < std::time::Duration::from_secs(9), "{elapsed:?}");
}
