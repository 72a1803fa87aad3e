//! `probe_keywords_build` and `probe_keywords_scan`: the keyword
//! automaton of waf_detect::keywords.
//!
//! probe_keywords_build input: for each of the NUM_VIEWS views, a u32
//! little-endian count of rules, then for each rule a u32 count of
//! keywords and each keyword as a u32 length and its bytes. It builds the
//! automaton, keeps it for the scans, and outputs its tables: the u32
//! number of classes, the 256 class bytes, the start row as an i32, the
//! u32 length of the DFA and its i32 cells, then for each view the u32
//! number of states and each state's rule set as four u64. All numbers
//! are little-endian.
//!
//! probe_keywords_scan input: one byte of view mask, then the text.
//! Output: the rule set the scan of the text hits, as four u64. A scan
//! before a build, or a malformed table, traps.

use std::cell::RefCell;

use waf_detect::keywords::{KeywordMatcher, RuleSet, NUM_VIEWS};

thread_local! {
    static MATCHER: RefCell<Option<KeywordMatcher>> = RefCell::new(None);
}

/// Reads the little-endian numbers and byte strings of an input.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> usize {
        let (n, rest) = self.0.split_at(4);
        self.0 = rest;
        u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize
    }

    fn bytes(&mut self) -> &'a [u8] {
        let n = self.u32();
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        b
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_set(out: &mut Vec<u8>, s: &RuleSet) {
    for w in s.0 {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

#[no_mangle]
pub extern "C" fn probe_keywords_build(len: u32) -> u64 {
    crate::run(len, |input, out| {
        let mut r = Reader(input);
        let mut keywords: [Vec<Vec<&[u8]>>; NUM_VIEWS] = Default::default();
        for view in keywords.iter_mut() {
            for _ in 0..r.u32() {
                let kws = (0..r.u32()).map(|_| r.bytes()).collect();
                view.push(kws);
            }
        }
        assert!(r.0.is_empty(), "probe_keywords_build: trailing bytes");
        let m = KeywordMatcher::new(&keywords);
        let (class, classes, next, outs, start) = m.tables();
        put_u32(out, classes);
        out.extend_from_slice(class);
        out.extend_from_slice(&start.to_le_bytes());
        put_u32(out, next.len());
        for cell in next {
            out.extend_from_slice(&cell.to_le_bytes());
        }
        for o in outs {
            put_u32(out, o.len());
            for s in o {
                put_set(out, s);
            }
        }
        MATCHER.with(|k| *k.borrow_mut() = Some(m));
    })
}

#[no_mangle]
pub extern "C" fn probe_keywords_scan(len: u32) -> u64 {
    crate::run(len, |input, out| {
        MATCHER.with(|k| {
            let k = k.borrow();
            let m = k.as_ref().expect("probe_keywords_scan before a build");
            let mut hits = RuleSet::default();
            m.scan(&input[1..], input[0], &mut hits);
            put_set(out, &hits);
        })
    })
}
