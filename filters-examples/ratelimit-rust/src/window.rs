//! The limiter's arithmetic, the same as the Go filter's package
//! `window`: a sliding window estimated from two fixed windows.

/// A limit of `limit` requests per `size_ns` nanoseconds.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub limit: i64,
    pub size_ns: i64,
}

/// What a request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is within the limit.
    pub allowed: bool,
    /// How many more requests the estimate allows now.
    pub remaining: i64,
    /// Nanoseconds until the current fixed window ends: the estimate is
    /// at its lowest then, and what a refused client waits for.
    pub reset_ns: i64,
}

impl Window {
    /// The fixed window `now_ns` (since the Unix epoch) falls in, counted
    /// from the epoch so that every process sharing a store agrees on it,
    /// and how far into it `now_ns` is.
    pub fn index(&self, now_ns: i64) -> (i64, i64) {
        (now_ns / self.size_ns, now_ns % self.size_ns)
    }

    /// Weighs the previous window's count by the part of it the sliding
    /// window still covers, adds the current window's count (this
    /// request included), and allows the request when the sum is within
    /// the limit. The float arithmetic is the Go filter's, so that the two
    /// decide alike on one store.
    pub fn decide(&self, current: i64, previous: i64, elapsed_ns: i64) -> Decision {
        let covered = (self.size_ns - elapsed_ns) as f64 / self.size_ns as f64;
        let estimate = current + (previous as f64 * covered) as i64;
        let allowed = estimate <= self.limit;
        Decision {
            allowed,
            remaining: if allowed { self.limit - estimate } else { 0 },
            reset_ns: self.size_ns - elapsed_ns,
        }
    }

    /// Whether the previous window's count can change the decision: not
    /// when the current window alone is over the limit, so that a refused
    /// client costs one store operation, not two.
    pub fn needs_previous(&self, current: i64) -> bool {
        current <= self.limit
    }
}
