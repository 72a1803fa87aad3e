//! The key-value stores (docs/ABI.md, "Key-value stores"): state shared
//! across requests, instances and, with Redis, Caddy processes.

use std::time::Duration;

use crate::{abi, checked, fetch, sys, Error, Result};

/// A key-value store the host holds, opened by name from those the
/// filter's block grants. Each method is one atomic operation on one key.
///
/// A store that cannot answer is `Error::Unavailable` when its policy is
/// `fail_open`; under `fail_closed` the host fails the request itself and
/// the method does not return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Store(i32);

/// ttl as the host takes it: whole milliseconds, a positive ttl under one
/// rounded up to one; past the i32 range is -1, which the host refuses.
fn ttl_ms(ttl: Duration) -> i32 {
    let ms = ttl.as_millis();
    if ms > i32::MAX as u128 {
        -1
    } else if ms == 0 && !ttl.is_zero() {
        1
    } else {
        ms as i32
    }
}

/// flag is a 1-or-0 result as a bool.
fn flag(r: i32) -> Result<bool> {
    checked(r).map(|_| r == 1)
}

impl Store {
    /// Opens the store granted under name. Call it from
    /// `Filter::configure`: a name that is not granted is
    /// `Error::NotFound`.
    pub fn open(name: &str) -> Result<Store> {
        // SAFETY: name is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::kv_open(name.as_ptr(), name.len() as u32) };
        checked(r).map(|_| Store(r))
    }

    /// The key's value; None when there is none.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        // SAFETY: key and the buffer are live for the call.
        #[allow(unsafe_code)]
        let v = fetch(|buf, limit| unsafe {
            sys::kv_get(self.0, key.as_ptr(), key.len() as u32, buf, limit)
        });
        match v {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores value under key; a zero ttl keeps it until deleted or
    /// evicted.
    pub fn set(&self, key: &[u8], value: &[u8], ttl: Duration) -> Result<()> {
        // SAFETY: key and value are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::kv_set(
                self.0,
                key.as_ptr(),
                key.len() as u32,
                value.as_ptr(),
                value.len() as u32,
                ttl_ms(ttl),
            )
        };
        checked(r)
    }

    /// Stores value under key unless the key has one; true when it did.
    pub fn set_if_absent(&self, key: &[u8], value: &[u8], ttl: Duration) -> Result<bool> {
        // SAFETY: key and value are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::kv_set_if_absent(
                self.0,
                key.as_ptr(),
                key.len() as u32,
                value.as_ptr(),
                value.len() as u32,
                ttl_ms(ttl),
            )
        };
        flag(r)
    }

    /// Stores value under key if the key's value is old; true when it
    /// did. A key without a value matches no old.
    pub fn compare_and_swap(
        &self,
        key: &[u8],
        old: &[u8],
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool> {
        // SAFETY: key, old and value are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::kv_cas(
                self.0,
                key.as_ptr(),
                key.len() as u32,
                old.as_ptr(),
                old.len() as u32,
                value.as_ptr(),
                value.len() as u32,
                ttl_ms(ttl),
            )
        };
        flag(r)
    }

    /// Adds delta to the integer under key (none counts as 0) and returns
    /// the sum. ttl applies when the call creates the key, and only then:
    /// a fixed window.
    pub fn incr(&self, key: &[u8], delta: i32, ttl: Duration) -> Result<i64> {
        let mut count = [0u8; abi::KV_COUNT_LEN];
        // SAFETY: key and count are live for the call.
        #[allow(unsafe_code)]
        let r = unsafe {
            sys::kv_incr(
                self.0,
                key.as_ptr(),
                key.len() as u32,
                delta,
                ttl_ms(ttl),
                count.as_mut_ptr(),
                count.len() as u32,
            )
        };
        checked(r).map(|_| i64::from_le_bytes(count))
    }

    /// Removes the key; true when it had a value.
    pub fn delete(&self, key: &[u8]) -> Result<bool> {
        // SAFETY: key is live for the call.
        #[allow(unsafe_code)]
        let r = unsafe { sys::kv_delete(self.0, key.as_ptr(), key.len() as u32) };
        flag(r)
    }
}
