//! "Did you mean …?": the closest known name to a misspelt one.

/// The candidate nearest to `wrong` by edit distance, if it is near enough
/// to be a plausible typo: at most a third of its length in edits (at
/// least one), and never a complete rewrite of a short name.
pub(super) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = wrong.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .map(|c| (edit_distance(wrong, c), c))
        .filter(|(d, _)| *d <= limit && *d < len)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_near_name_and_nothing_for_a_far_one() {
        let names = ["impact", "canary", "enable-all"];
        assert_eq!(closest("impcat", names), Some("impact"));
        assert_eq!(closest("enable_all", names), Some("enable-all"));
        assert_eq!(closest("verify-production", names), None);
        // One letter is no basis for a guess.
        assert_eq!(closest("b", ["a"]), None);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("oncall", "on-call"), 1);
    }
}
