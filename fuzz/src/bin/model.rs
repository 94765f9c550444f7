//! One AFL++ target for both parsers: the input, as UTF-8 text, is parsed as a model file
//! and as an `up` expression, and every error is displayed, as `nines` would print it.
//! A panic (a crash to AFL++) or a parse that does not end (a hang) is a bug.

use nines::expr::Expr;
use nines::model::Model;

/// Component names the expression parser resolves: some inputs name them, most do not.
const NAMES: [&str; 4] = ["a", "b", "etcd", "proxy"];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Err(errors) = Model::parse(text, "fuzz.toml") {
            let shown = errors.to_string();
            // Model text never reaches the terminal raw, and one error is one line.
            assert!(!shown.contains('\u{1b}'), "{shown}");
        }
        let resolve = |name: &str| NAMES.iter().position(|known| *known == name);
        if let Err(error) = Expr::parse(text, &resolve) {
            let _ = error.to_string();
        }
    });
}
