//! `probe_allocs`: how many times the probe has allocated, so that a Go
//! test can hold the port to its promise of allocating nothing per value
//! once its buffers have grown. Input: none. Output: the count so far, as
//! a u64 little-endian.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

static ALLOCS: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting the calls that take memory.
struct Counting;

// SAFETY: every call is passed on unchanged to System, which upholds
// GlobalAlloc's contract; the count is a side effect that allocates
// nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[no_mangle]
pub extern "C" fn probe_allocs(len: u32) -> u64 {
    crate::run(len, |_, out| {
        // Read before the output is written, which may allocate once.
        let n = ALLOCS.load(Ordering::Relaxed);
        out.extend_from_slice(&n.to_le_bytes());
    })
}
