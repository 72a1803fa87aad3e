//! The port of the checks of detect/rules_php.go: calls of PHP functions,
//! with comments allowed before their parenthesis.

use crate::charclass::CharClass;
use crate::lexicon::{has_call_gap, GapKind};
use crate::normalize::{has_double, Forms};
use crate::rules_table::{PHP_FUNCTIONS, PHP_ODD_NAMES};

/// `phpCall` finds a call of a PHP function; a value without "/*", "//"
/// or '#' holds no comment, and its gaps are only blanks.
pub fn php_call(f: &mut Forms) -> bool {
    let cls = f.cls();
    let mut kind = GapKind::Space;
    if f.comment()
        || cls.any(CharClass::HASH)
        || cls.any(CharClass::SLASH) && has_double(f.dec(), b'/')
    {
        kind = GapKind::Code;
    }
    has_call_gap(f.dec(), &PHP_FUNCTIONS, kind, Some(php_gap_ok))
}

/// `phpGapOK` says which names are no English words (those with an
/// underscore, and a few more): only they count as calls with blanks or
/// comments before the parenthesis, or a lone word in it. `name` is as
/// the value spells it; Go's is lower-cased.
pub fn php_gap_ok(name: &[u8]) -> bool {
    name.contains(&b'_') || PHP_ODD_NAMES.has_fold(name)
}
