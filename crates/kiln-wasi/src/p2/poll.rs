//! `wasi:io/poll`'s `pollable`: what a guest waits on.

use std::time::{Duration, Instant};

/// A `pollable`. Streams here are synchronous (see
/// [`streams`](super::streams)), so a stream's pollable is always ready;
/// a clock's is ready at its deadline.
#[derive(Debug, Clone, Copy)]
pub struct Pollable {
    pub(crate) kind: PollKind,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum PollKind {
    Ready,
    /// Ready at this real-time instant; `None` is a deadline too far away
    /// to represent (never).
    Deadline(Option<Instant>),
}

impl Pollable {
    pub(crate) fn ready() -> Pollable {
        Pollable { kind: PollKind::Ready }
    }

    /// Ready after `wait` of real time from now. Clock deadlines are taken
    /// against the context's monotonic clock when subscribing and then
    /// waited for in real time, as preview 1's `poll_oneoff` does, so a
    /// replaced clock cannot make a guest wait forever.
    pub(crate) fn after(wait: Duration) -> Pollable {
        Pollable { kind: PollKind::Deadline(Instant::now().checked_add(wait)) }
    }

    pub(crate) fn is_ready(&self) -> bool {
        match self.kind {
            PollKind::Ready => true,
            PollKind::Deadline(Some(at)) => Instant::now() >= at,
            PollKind::Deadline(None) => false,
        }
    }

    /// How long until ready (`None`: never).
    pub(crate) fn time_left(&self) -> Option<Duration> {
        match self.kind {
            PollKind::Ready => Some(Duration::ZERO),
            PollKind::Deadline(Some(at)) => Some(at.saturating_duration_since(Instant::now())),
            PollKind::Deadline(None) => None,
        }
    }
}

/// Sleeps for `wait`, or for good when it is `None`: a guest that waits
/// only on what can never be ready waits forever, as in Wasmtime.
pub(crate) fn sleep(wait: Option<Duration>) {
    match wait {
        Some(d) => std::thread::sleep(d),
        None => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
    }
}
