//! Randomness: a deterministic source, and the host's.

use crate::harness::Guest;

#[test]
fn replaced_random_source() {
    let mut guest = Guest::new("random");
    let mut next = 0u8;
    guest.builder.secure_random(move |buf: &mut [u8]| {
        for b in buf {
            *b = next;
            next = next.wrapping_add(1) % 251;
        }
    });
    guest.run().expect(
        0,
        "random_get 16: OK\n\
         random_get: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n\
         getentropy 8: OK\n\
         getentropy: 10 11 12 13 14 15 16 17\n\
         random_get 0: OK\n\
         random_get 1 MiB: OK\n\
         zero bytes in 1 MiB: few\n",
    );
}

#[test]
fn host_random_source() {
    let first = Guest::new("random").run();
    let second = Guest::new("random").run();
    assert_eq!(first.status, Some(0));
    assert!(first.stdout.contains("zero bytes in 1 MiB: few\n"), "{}", first.stdout);
    let bytes = |out: &str| out.lines().find(|l| l.starts_with("random_get:")).unwrap().to_string();
    assert_ne!(bytes(&first.stdout), bytes(&second.stdout), "two runs got the same random bytes");
}
