//! Which train leaves next, and when: pure date arithmetic over `[train]`.
//!
//! Train 1 leaves on `first`, train n on `first + (n - 1) × cadence`. The
//! train "of" a day is the first one leaving on or after it; its window is
//! the cadence before its departure (so a train session started in that
//! window belongs to it).

use jiff::ToSpan as _;
use jiff::civil::Date;
use serde::Serialize;

/// One train's departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Departure {
    /// 1 for the first train.
    pub number: u32,
    #[serde(serialize_with = "as_text")]
    pub date: Date,
    /// Whole days from `today` to the departure (0: it leaves today;
    /// negative: it has left).
    pub days_left: i64,
    /// The first day of its window (the previous departure + 1 day).
    #[serde(serialize_with = "as_text")]
    pub window_opens: Date,
}

fn as_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

impl Departure {
    /// "train 14 · departs Fri 2026-12-11 · 8 days left".
    pub fn label(&self) -> String {
        let left = match self.days_left {
            0 => "leaves today".to_owned(),
            1 => "1 day left".to_owned(),
            n if n > 1 => format!("{n} days left"),
            -1 => "left 1 day ago".to_owned(),
            n => format!("left {} days ago", -n),
        };
        format!(
            "train {} · departs {} · {left}",
            self.number,
            self.date.strftime("%a %Y-%m-%d")
        )
    }

    /// Is `day` inside this train's window?
    pub fn in_window(&self, day: Date) -> bool {
        day >= self.window_opens && day <= self.date
    }
}

/// Today's date (UTC: every clone of the system repository agrees on
/// which train is next whatever the machine's time zone).
pub fn today() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// Train `number`'s departure, seen from `today`.
pub fn departure(first: Date, cadence_days: i64, number: u32, today: Date) -> Option<Departure> {
    let offset = i64::from(number.checked_sub(1)?).checked_mul(cadence_days)?;
    let date = first.checked_add(offset.days()).ok()?;
    let window_opens = date
        .checked_sub(cadence_days.days())
        .ok()?
        .checked_add(1.day())
        .ok()?;
    let days_left = (date - today).get_days().into();
    Some(Departure {
        number,
        date,
        days_left,
        window_opens,
    })
}

/// The next train to leave on or after `today` (train 1 when `today` is
/// before the first departure).
pub fn next_departure(first: Date, cadence_days: i64, today: Date) -> Option<Departure> {
    if cadence_days <= 0 {
        return None;
    }
    let since: i64 = (today - first).get_days().into();
    let number = if since <= 0 {
        1
    } else {
        // Round up: a train leaving today is still "next".
        u32::try_from((since + cadence_days - 1) / cadence_days + 1).ok()?
    };
    departure(first, cadence_days, number, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn trains_leave_every_cadence_from_the_first() {
        let first = d("2026-11-02");
        let t = next_departure(first, 14, d("2026-11-27")).unwrap();
        assert_eq!((t.number, t.date, t.days_left), (3, d("2026-11-30"), 3));
        assert_eq!(t.window_opens, d("2026-11-17"));
        assert_eq!(t.label(), "train 3 · departs Mon 2026-11-30 · 3 days left");
        // Leaving today is still the next train.
        let t = next_departure(first, 14, d("2026-11-30")).unwrap();
        assert_eq!((t.number, t.days_left), (3, 0));
        let t = next_departure(first, 14, d("2026-12-01")).unwrap();
        assert_eq!((t.number, t.date), (4, d("2026-12-14")));
        // Before the first: train 1.
        let t = next_departure(first, 14, d("2026-10-01")).unwrap();
        assert_eq!((t.number, t.days_left), (1, 32));
        assert!(!t.in_window(d("2026-10-01")));
        assert!(t.in_window(d("2026-10-25")));
        assert!(next_departure(first, 0, d("2026-10-01")).is_none());
    }
}
