//! `wasi:clocks` and `wasi:random`.

use super::val::{arg, list_u8, own, u64_};
use super::Interface;
use crate::p2::filesystem::Datetime;
use kiln::component::Val;

pub(super) fn datetime(d: Datetime) -> Val {
    Val::Record(vec![("seconds".into(), Val::U64(d.seconds)), ("nanoseconds".into(), Val::U32(d.nanoseconds))])
}

pub(crate) static MONOTONIC_CLOCK: Interface = Interface {
    name: "wasi:clocks/monotonic-clock",
    resources: &[],
    funcs: &[
        ("now", |v, _| Ok(Some(Val::U64(v.monotonic_now()?)))),
        ("resolution", |v, _| Ok(Some(Val::U64(v.monotonic_resolution()?)))),
        ("subscribe-instant", |v, p| Ok(Some(own(v.subscribe_instant(u64_(arg(p, 0)?)?)?)?))),
        ("subscribe-duration", |v, p| Ok(Some(own(v.subscribe_duration(u64_(arg(p, 0)?)?)?)?))),
    ],
};

pub(crate) static WALL_CLOCK: Interface = Interface {
    name: "wasi:clocks/wall-clock",
    resources: &[],
    funcs: &[
        ("now", |v, _| Ok(Some(datetime(v.wall_clock_now()?)))),
        ("resolution", |v, _| Ok(Some(datetime(v.wall_clock_resolution()?)))),
    ],
};

pub(crate) static RANDOM: Interface = Interface {
    name: "wasi:random/random",
    resources: &[],
    funcs: &[
        ("get-random-bytes", |v, p| Ok(Some(list_u8(v.get_random_bytes(u64_(arg(p, 0)?)?)?)))),
        ("get-random-u64", |v, _| Ok(Some(Val::U64(v.get_random_u64()?)))),
    ],
};

pub(crate) static INSECURE: Interface = Interface {
    name: "wasi:random/insecure",
    resources: &[],
    funcs: &[
        ("get-insecure-random-bytes", |v, p| Ok(Some(list_u8(v.get_insecure_random_bytes(u64_(arg(p, 0)?)?)?)))),
        ("get-insecure-random-u64", |v, _| Ok(Some(Val::U64(v.get_insecure_random_u64()?)))),
    ],
};

pub(crate) static INSECURE_SEED: Interface = Interface {
    name: "wasi:random/insecure-seed",
    resources: &[],
    funcs: &[("insecure-seed", |v, _| {
        let (a, b) = v.insecure_seed()?;
        Ok(Some(Val::Tuple(vec![Val::U64(a), Val::U64(b)])))
    })],
};
