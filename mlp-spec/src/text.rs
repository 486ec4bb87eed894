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

/// Keras's `to_snake_case` (`keras.src.utils.naming`), step for step: the
/// characters that are not word characters removed, `_` put before each
/// capital that starts a lower-case run (after any character) and between
/// a lower-case letter and a capital, then lower case. The name Keras gives
/// a model class (`FashionMlp` -> `fashion_mlp`, `MLP` -> `mlp`) and an
/// initializer's class (`GlorotUniform` -> `glorot_uniform`).
///
/// ```
/// assert_eq!(mlp_spec::to_snake_case("WideDeepNN"), "wide_deep_nn");
/// assert_eq!(mlp_spec::to_snake_case("PReLU"), "p_re_lu");
/// ```
pub fn to_snake_case(name: &str) -> String {
    // re.sub(r"\W+", "", name)
    let word: Vec<char> = name
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    // re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name): matches do not overlap.
    let mut split = Vec::with_capacity(word.len() * 2);
    let mut i = 0;
    while i < word.len() {
        split.push(word[i]);
        let run = word[i + 1..]
            .iter()
            .skip(1)
            .take_while(|c| c.is_ascii_lowercase())
            .count();
        if word.get(i + 1).is_some_and(char::is_ascii_uppercase) && run > 0 {
            split.push('_');
            split.extend_from_slice(&word[i + 1..i + 2 + run]);
            i += 2 + run;
        } else {
            i += 1;
        }
    }
    // re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    let mut out = String::with_capacity(split.len() * 2);
    let mut i = 0;
    while i < split.len() {
        out.extend(split[i].to_lowercase());
        if split[i].is_ascii_lowercase() && split.get(i + 1).is_some_and(char::is_ascii_uppercase) {
            out.push('_');
            out.extend(split[i + 1].to_lowercase());
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_snake_case;

    #[test]
    fn snake_case_is_keras_s() {
        // keras/src/utils/naming_test.py's cases, then names run through
        // Keras 3.15's `to_snake_case`.
        let cases = [
            ("snake_case_name", "snake_case_name"),
            ("myVariableNameHere", "my_variable_name_here"),
            ("convertTHIS", "convert_this"),
            ("already_snake_cased", "already_snake_cased"),
            ("lowercase", "lowercase"),
            ("UPPERCASE", "uppercase"),
            ("FashionMlp", "fashion_mlp"),
            ("MLP", "mlp"),
            ("WideDeepNN", "wide_deep_nn"),
            ("GlorotUniform", "glorot_uniform"),
            ("Chapter11", "chapter11"),
            ("WideAndDeep2", "wide_and_deep2"),
            ("XMLHttp", "xml_http"),
            ("SimpleRNN", "simple_rnn"),
            ("ABcDef", "a_bc_def"),
            ("AbCdEf", "ab_cd_ef"),
            ("aBcD", "a_bc_d"),
            ("aB", "a_b"),
            ("x_Y", "x_y"),
            ("My Model!", "my_model"),
            ("Net2Net", "net2_net"),
            ("HTTPServer2Go", "http_server2_go"),
            ("ÉcoleNet", "école_net"),
            ("ReLU", "re_lu"),
            ("PReLU", "p_re_lu"),
            ("LeakyReLU", "leaky_re_lu"),
            ("ELU", "elu"),
        ];
        for (name, keras) in cases {
            assert_eq!(to_snake_case(name), keras, "{name}");
        }
    }
}
