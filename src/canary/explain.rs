//! Number formatting for the judge's plain-words explanations.
//!
//! Explanations are read by a person deciding whether to roll back, so
//! numbers are short (three significant digits, trailing zeros trimmed) and
//! tiny p-values keep their order of magnitude (`1e-9`) instead of rounding
//! to zero.

/// `v` with three significant digits: `0.042`, `4.2`, `1520`, `1.23e-5`.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return trim_exp(&format!("{v:.2e}"));
    }
    let magnitude = a.log10().floor() as i32;
    let decimals = (2 - magnitude).max(0) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

/// [`num`] with an explicit `+` on positive values (for shifts).
pub fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", num(v))
    } else {
        num(v)
    }
}

/// A relative value as a percentage: `0.1` → `10%`.
pub fn percent(v: f64) -> String {
    format!("{}%", num(v * 100.0))
}

/// A p-value: `0.042`, `1e-9`, or `≈0` when it underflows.
pub fn p_value(p: f64) -> String {
    if p == 0.0 {
        "≈0".to_owned()
    } else if p < 1e-3 {
        format!("{p:.0e}")
    } else {
        num(p)
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// `1.20e-5` → `1.2e-5`.
fn trim_exp(s: &str) -> String {
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_owned())),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.042), "0.042");
        assert_eq!(num(0.010), "0.01");
        assert_eq!(num(4.2), "4.2");
        assert_eq!(num(1520.4), "1520");
        assert_eq!(num(-0.032), "-0.032");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1.234e-5), "1.23e-5");
        assert_eq!(num(1.2e-5), "1.2e-5");
        assert_eq!(num(3e9), "3e9");
        assert_eq!(num(f64::INFINITY), "inf");
        assert_eq!(signed(0.032), "+0.032");
        assert_eq!(signed(-1.0), "-1");
        assert_eq!(percent(0.1), "10%");
        assert_eq!(percent(3.2), "320%");
        assert_eq!(p_value(1.3e-9), "1e-9");
        assert_eq!(p_value(0.0421), "0.0421");
        assert_eq!(p_value(0.0), "≈0");
    }
}
