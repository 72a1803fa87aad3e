//! The port of the checks of detect/rules_rce.go: commands after a
//! separator or at the start of a value, launcher chains and Windows
//! tools, read in the shell-unquoted view.

use crate::lexicon::{has_word, is_ident_byte, skip_gap, GapKind};
use crate::normalize::Forms;
use crate::rules_table::{
    DISTINCT_COMMANDS, EMPTY_LEXICON, LAUNCHERS, UNIX_COMMANDS, WINDOWS_COMMANDS, WINDOWS_TOOLS,
};
use crate::shellwords::{
    command_after_separator, command_at, command_at_start, command_at_start_if, command_ends,
    option_or_path,
};

/// `launcherChain`: a value that starts with a launcher (nohup, sudo,
/// time, env) and goes on to a command, separated or not ("time; visudo").
pub fn launcher_chain(f: &mut Forms) -> bool {
    let s = f.cmd_text();
    let s = &s[s.iter().take_while(|&&c| c == b' ').count()..];
    let mut j = 0;
    while j < s.len() && is_ident_byte(s[j]) {
        j += 1;
    }
    if !LAUNCHERS.has(&s[..j]) {
        return false;
    }
    j = skip_gap(s, j, GapKind::Space);
    if j < s.len() && b";&|".contains(&s[j]) {
        j += 1;
    }
    let (start, end) = command_at(s, j);
    UNIX_COMMANDS.has(&s[start..end]) && command_ends(s, end)
}

/// The check of rce-unix-command-after-separator.
pub fn rule_rce_unix_command_after_separator(f: &mut Forms) -> bool {
    command_after_separator(f.cmd_text(), &UNIX_COMMANDS, &DISTINCT_COMMANDS)
}

/// The check of rce-unix-command-at-start.
pub fn rule_rce_unix_command_at_start(f: &mut Forms) -> bool {
    command_at_start(f.cmd_text(), &DISTINCT_COMMANDS)
}

/// The check of rce-windows-tool.
pub fn rule_rce_windows_tool(f: &mut Forms) -> bool {
    has_word(f.cmd_text(), &WINDOWS_TOOLS)
}

/// The check of rce-windows-after-separator.
pub fn rule_rce_windows_after_separator(f: &mut Forms) -> bool {
    command_after_separator(f.cmd_text(), &WINDOWS_COMMANDS, &EMPTY_LEXICON)
}

/// The check of rce-command-name-at-start: a distinct command at the
/// start, whatever follows it.
pub fn rule_rce_command_name_at_start(f: &mut Forms) -> bool {
    command_at_start_if(f.cmd_text(), &DISTINCT_COMMANDS, |_, _| true)
}

/// The check of rce-command-with-options.
pub fn rule_rce_command_with_options(f: &mut Forms) -> bool {
    command_at_start_if(f.cmd_text(), &UNIX_COMMANDS, |rest, _| option_or_path(rest))
}
