use super::*;

#[test]
fn scratch() {
    for b in builtins() { println!("{} {}", b.id, b.steps.len()); }
    if let Err(e) = Catalog::load(None) { println!("{e}"); }
}
