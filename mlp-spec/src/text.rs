//! Message helpers that the runtime and the macro share.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The first ten of `items` joined by `, `, then how many more (`and 5
/// more`): messages stay short whatever a file declares.
///
/// ```
/// assert_eq!(
///     mlp_spec::short_list(&["a"; 12]),
///     "a, a, a, a, a, a, a, a, a, a and 2 more"
/// );
/// assert_eq!(mlp_spec::short_list(&["x", "y"]), "x, y");
/// ```
pub fn short_list<S: AsRef<str>>(items: &[S]) -> String {
    const SHOWN: usize = 10;
    let shown: Vec<&str> = items.iter().take(SHOWN).map(AsRef::as_ref).collect();
    let mut list = shown.join(", ");
    if items.len() > SHOWN {
        list.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    list
}
