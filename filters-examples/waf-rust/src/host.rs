//! The engine's host (waf_detect::host::Host) on Gojinn's SDK: the
//! rules' expressions compiled into host regex sets at configure, as the
//! Go filter compiles them (detect/host_wasip1.go), and libinjection's
//! checks by sqli_check and xss_check.

use gojinn::{is_sqli, is_xss, Regex, Target};
use waf_detect::config::Config;
use waf_detect::host::Host;
use waf_detect::rules_table::{View, RULES};

/// Where a rule's expression is on the host: one of a set's.
#[derive(Clone, Copy)]
struct Placed {
    set: Regex,
    at: u32,
    /// The set holds this expression alone, so a match is the answer.
    alone: bool,
}

pub struct SdkHost {
    /// Each rule's expression, by rule index; None for a rule without
    /// one or not enabled.
    placed: Vec<Option<Placed>>,
    /// The ids a match wrote, reused.
    ids: std::cell::RefCell<Vec<u32>>,
}

const VIEWS: [View; 4] = [View::Low, View::Sql, View::Cmd, View::Dec];

impl SdkHost {
    /// Compiles the expressions of the rules cfg enables. An instance
    /// has MAX_REGEX_SETS sets, fewer than the rules, so rules that read
    /// the same view share a set, as few to a set as fit; a match runs
    /// every expression of its set, natively.
    pub fn compile(cfg: &Config) -> Result<SdkHost, String> {
        let mut by_view: [Vec<usize>; 4] = Default::default();
        let mut total = 0;
        for (i, r) in RULES.iter().enumerate() {
            if r.pattern.is_some() && i64::from(r.pl) <= cfg.paranoia {
                let v = VIEWS.iter().position(|&v| v == r.view).unwrap_or(0);
                by_view[v].push(i);
                total += 1;
            }
        }
        let sets = gojinn::abi::MAX_REGEX_SETS - VIEWS.len();
        let per = std::cmp::max(1, (total + sets - 1) / sets);
        let mut placed = vec![None; RULES.len()];
        for list in &by_view {
            for chunk in list.chunks(per) {
                let patterns: Vec<&str> = chunk
                    .iter()
                    .map(|&i| RULES[i].pattern.unwrap_or(""))
                    .collect();
                let set = Regex::compile(&patterns).map_err(|e| {
                    format!("waf: compiling the rules' expressions on the host: {}", e)
                })?;
                for (k, &i) in chunk.iter().enumerate() {
                    placed[i] = Some(Placed {
                        set,
                        at: k as u32,
                        alone: chunk.len() == 1,
                    });
                }
            }
        }
        Ok(SdkHost {
            placed,
            ids: std::cell::RefCell::new(Vec::with_capacity(per)),
        })
    }
}

impl Host for SdkHost {
    // Over a host bound (a text past 1 MiB, a match past the regex work
    // limit) the answer is a match: one the filter could not rule out.
    fn is_sqli(&self, s: &[u8]) -> bool {
        is_sqli(Target::Bytes(s)).unwrap_or(true)
    }

    fn is_xss(&self, s: &[u8]) -> bool {
        is_xss(Target::Bytes(s)).unwrap_or(true)
    }

    fn regex_match(&self, rule: usize, s: &[u8]) -> bool {
        let p = match self.placed.get(rule).copied().flatten() {
            Some(p) => p,
            // Not compiled: only an enabled rule's expression is asked for.
            None => return true,
        };
        if p.alone {
            return p.set.is_match(Target::Bytes(s)).unwrap_or(true);
        }
        let mut ids = self.ids.borrow_mut();
        match p.set.matches_into(Target::Bytes(s), &mut ids) {
            Ok(()) => ids.contains(&p.at),
            Err(_) => true,
        }
    }
}

/// Eight random bytes from the host (WASI random_get), as a number.
pub fn random_u64() -> Option<u64> {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        fn random_get(buf: *mut u8, len: u32) -> u32;
    }
    let mut b = [0u8; 8];
    // SAFETY: the buffer is live and 8 bytes long for the call.
    #[allow(unsafe_code)]
    let errno = unsafe { random_get(b.as_mut_ptr(), b.len() as u32) };
    (errno == 0).then(|| u64::from_le_bytes(b))
}
