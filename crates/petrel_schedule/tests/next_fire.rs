//! When does a schedule fire next? `Schedule::parse(expr).next_after(ms)` / `next_n`, checked
//! against instants worked out by hand (all UTC), compared as ISO strings so that a failure
//! reads as dates.

use chrono::{TimeZone, Utc};
use petrel_schedule::{Schedule, iso};

/// (year, month, day, hour, minute), UTC.
type Ymdhm = (i32, u32, u32, u32, u32);

struct Row {
    expr: &'static str,
    /// Start strictly after this instant.
    from: Ymdhm,
    /// The next occurrences, in order.
    next: &'static [Ymdhm],
    why: &'static str,
}

fn ms((y, mo, d, h, mi): Ymdhm) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or_else(|| panic!("not a date: {y}-{mo}-{d} {h}:{mi}"))
        .timestamp_millis()
}

const ROWS: &[Row] = &[
    // Month ends.
    Row {
        expr: "0 0 31 * *",
        from: (2026, 1, 31, 0, 0),
        next: &[
            (2026, 3, 31, 0, 0),
            (2026, 5, 31, 0, 0),
            (2026, 7, 31, 0, 0),
            (2026, 8, 31, 0, 0),
            (2026, 10, 31, 0, 0),
            (2026, 12, 31, 0, 0),
            (2027, 1, 31, 0, 0),
        ],
        why: "the 31st skips February and the 30-day months",
    },
    Row {
        expr: "0 0 30 * *",
        from: (2026, 1, 30, 12, 0),
        next: &[(2026, 3, 30, 0, 0), (2026, 4, 30, 0, 0)],
        why: "the 30th from late January jumps over February to March 30",
    },
    Row {
        expr: "0 0 29 * *",
        from: (2027, 2, 1, 0, 0),
        next: &[(2027, 3, 29, 0, 0)],
        why: "no February 29 in 2027",
    },
    Row {
        expr: "0 0 * 2 *",
        from: (2026, 2, 27, 0, 0),
        next: &[(2026, 2, 28, 0, 0), (2027, 2, 1, 0, 0)],
        why: "February 2026 ends on the 28th",
    },
    // Leap years.
    Row {
        expr: "0 0 29 2 *",
        from: (2025, 1, 1, 0, 0),
        next: &[(2028, 2, 29, 0, 0), (2032, 2, 29, 0, 0)],
        why: "February 29 only in leap years",
    },
    Row {
        expr: "0 0 29 2 *",
        from: (2028, 2, 29, 0, 0),
        next: &[(2032, 2, 29, 0, 0)],
        why: "strictly after a leap day: the next leap day",
    },
    Row {
        expr: "@daily",
        from: (2028, 2, 28, 12, 0),
        next: &[(2028, 2, 29, 0, 0), (2028, 3, 1, 0, 0)],
        why: "@daily through a leap day",
    },
    // Aliases.
    Row {
        expr: "@weekly",
        from: (2026, 11, 22, 17, 47),
        next: &[(2026, 11, 29, 0, 0), (2026, 12, 6, 0, 0)],
        why: "@weekly is Sunday 00:00 UTC (2026-11-22 is a Sunday, already past midnight)",
    },
    Row {
        expr: "@weekly",
        from: (2026, 11, 29, 0, 0),
        next: &[(2026, 12, 6, 0, 0)],
        why: "@weekly strictly after one of its own occurrences",
    },
    Row {
        expr: "@monthly",
        from: (2026, 1, 31, 23, 59),
        next: &[(2026, 2, 1, 0, 0), (2026, 3, 1, 0, 0)],
        why: "@monthly is the 1st at 00:00",
    },
    Row {
        expr: "@yearly",
        from: (2026, 6, 15, 8, 0),
        next: &[(2027, 1, 1, 0, 0), (2028, 1, 1, 0, 0)],
        why: "@yearly is January 1 at 00:00",
    },
    Row {
        expr: "@daily",
        from: (2026, 2, 28, 12, 0),
        next: &[(2026, 3, 1, 0, 0), (2026, 3, 2, 0, 0)],
        why: "@daily from the last day of a non-leap February",
    },
    Row {
        expr: "@hourly",
        from: (2026, 5, 5, 10, 0),
        next: &[(2026, 5, 5, 11, 0), (2026, 5, 5, 12, 0)],
        why: "@hourly strictly after the hour",
    },
    // Steps, ranges, lists.
    Row {
        expr: "*/15 * * * *",
        from: (2026, 5, 5, 10, 50),
        next: &[
            (2026, 5, 5, 11, 0),
            (2026, 5, 5, 11, 15),
            (2026, 5, 5, 11, 30),
        ],
        why: "*/15 is 0,15,30,45",
    },
    Row {
        expr: "5-59/20 * * * *",
        from: (2026, 5, 5, 10, 46),
        next: &[
            (2026, 5, 5, 11, 5),
            (2026, 5, 5, 11, 25),
            (2026, 5, 5, 11, 45),
            (2026, 5, 5, 12, 5),
        ],
        why: "5-59/20 is 5,25,45",
    },
    Row {
        expr: "0 9-11 * * *",
        from: (2026, 5, 5, 10, 30),
        next: &[(2026, 5, 5, 11, 0), (2026, 5, 6, 9, 0), (2026, 5, 6, 10, 0)],
        why: "an hour range",
    },
    Row {
        expr: "0,30 8,20 * * *",
        from: (2026, 5, 5, 8, 15),
        next: &[
            (2026, 5, 5, 8, 30),
            (2026, 5, 5, 20, 0),
            (2026, 5, 5, 20, 30),
            (2026, 5, 6, 8, 0),
        ],
        why: "lists in two fields",
    },
    // Names.
    Row {
        expr: "0 9 * * MON-FRI",
        from: (2026, 5, 8, 9, 0),
        next: &[(2026, 5, 11, 9, 0), (2026, 5, 12, 9, 0)],
        why: "MON-FRI: from Friday 09:00 (2026-05-08) to Monday",
    },
    Row {
        expr: "0 0 1 JAN,JUL *",
        from: (2026, 1, 1, 0, 0),
        next: &[(2026, 7, 1, 0, 0), (2027, 1, 1, 0, 0)],
        why: "month names",
    },
    Row {
        expr: "0 12 * * sat-sun",
        from: (2026, 5, 5, 0, 0),
        next: &[
            (2026, 5, 9, 12, 0),
            (2026, 5, 10, 12, 0),
            (2026, 5, 16, 12, 0),
        ],
        why: "lower-case names, and a range ending on SUN (2026-05-10 is a Sunday)",
    },
    // Day-of-week 7: croner reads it as Sunday, like 0 (also inside ranges).
    Row {
        expr: "0 12 * * 7",
        from: (2026, 5, 5, 0, 0),
        next: &[(2026, 5, 10, 12, 0), (2026, 5, 17, 12, 0)],
        why: "day-of-week 7 is Sunday",
    },
    Row {
        expr: "0 12 * * 5-7",
        from: (2026, 5, 5, 0, 0),
        next: &[
            (2026, 5, 8, 12, 0),
            (2026, 5, 9, 12, 0),
            (2026, 5, 10, 12, 0),
            (2026, 5, 15, 12, 0),
        ],
        why: "5-7 is Friday, Saturday, Sunday",
    },
    // Year rollover.
    Row {
        expr: "59 23 31 12 *",
        from: (2026, 12, 31, 23, 58),
        next: &[(2026, 12, 31, 23, 59), (2027, 12, 31, 23, 59)],
        why: "the last minute of the year",
    },
    Row {
        expr: "* * * * *",
        from: (2026, 12, 31, 23, 59),
        next: &[(2027, 1, 1, 0, 0), (2027, 1, 1, 0, 1)],
        why: "every minute across new year",
    },
    // Strictly after.
    Row {
        expr: "30 14 * * *",
        from: (2026, 5, 5, 14, 30),
        next: &[(2026, 5, 6, 14, 30)],
        why: "an occurrence as input gives the following one",
    },
    Row {
        expr: "30 14 * * *",
        from: (2026, 5, 5, 14, 29),
        next: &[(2026, 5, 5, 14, 30)],
        why: "a minute before fires the same day",
    },
    // Both day-of-month and day-of-week restricted: a day matching EITHER fires (Vixie cron).
    Row {
        expr: "0 0 13 * FRI",
        from: (2026, 1, 1, 0, 0),
        next: &[
            (2026, 1, 2, 0, 0),
            (2026, 1, 9, 0, 0),
            (2026, 1, 13, 0, 0),
            (2026, 1, 16, 0, 0),
        ],
        why: "the 13th (a Tuesday in 2026-01) OR any Friday, not only Friday the 13th",
    },
    Row {
        expr: "0 0 1 * MON",
        from: (2026, 5, 31, 0, 0),
        next: &[
            (2026, 6, 1, 0, 0),
            (2026, 6, 8, 0, 0),
            (2026, 6, 15, 0, 0),
            (2026, 6, 22, 0, 0),
            (2026, 6, 29, 0, 0),
            (2026, 7, 1, 0, 0),
            (2026, 7, 6, 0, 0),
        ],
        why: "the 1st (a Wednesday in July 2026) OR any Monday",
    },
    // DST does not exist in UTC: the EU switches (2026-03-29, 2026-10-25) change nothing.
    Row {
        expr: "0 2 * * *",
        from: (2026, 3, 28, 2, 0),
        next: &[(2026, 3, 29, 2, 0), (2026, 3, 30, 2, 0)],
        why: "02:00 UTC every day across the spring-forward date",
    },
    Row {
        expr: "0 2 * * *",
        from: (2026, 10, 24, 2, 0),
        next: &[(2026, 10, 25, 2, 0), (2026, 10, 26, 2, 0)],
        why: "02:00 UTC every day across the fall-back date",
    },
];

#[test]
fn next_fire_table() {
    let mut failures = Vec::new();
    for row in ROWS {
        let schedule = Schedule::parse(row.expr)
            .unwrap_or_else(|err| panic!("`{}` does not parse: {err}", row.expr));
        let from = ms(row.from);
        let want: Vec<String> = row.next.iter().map(|&t| iso(ms(t))).collect();
        let got: Vec<String> = schedule
            .next_n(from, row.next.len())
            .into_iter()
            .map(iso)
            .collect();
        if got != want {
            failures.push(format!(
                "`{}` after {} ({}):\n    want {want:?}\n    got  {got:?}",
                row.expr,
                iso(from),
                row.why
            ));
        }
        // `next_after` agrees with the first of `next_n`.
        let first = schedule.next_after(from).map(iso);
        if first.as_ref() != want.first() {
            failures.push(format!(
                "`{}` next_after {}: want {:?}, got {first:?}",
                row.expr,
                iso(from),
                want.first()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn day_of_week_7_is_sunday_like_0_and_sun() {
    let from = ms((2026, 5, 5, 0, 0));
    let sundays = |expr: &str| -> Vec<String> {
        Schedule::parse(expr)
            .unwrap()
            .next_n(from, 5)
            .into_iter()
            .map(iso)
            .collect()
    };
    let zero = sundays("0 12 * * 0");
    assert_eq!(zero[0], "2026-05-10T12:00:00.000Z");
    assert_eq!(sundays("0 12 * * 7"), zero);
    assert_eq!(sundays("0 12 * * SUN"), zero);
    assert_eq!(sundays("0 12 * * 0,7"), zero);
}

#[test]
fn strictly_after_at_millisecond_precision() {
    let schedule = Schedule::parse("30 14 * * *").unwrap();
    let occurrence = ms((2026, 5, 5, 14, 30));
    let next = |at: i64| schedule.next_after(at).map(iso);
    assert_eq!(
        next(occurrence - 1).as_deref(),
        Some("2026-05-05T14:30:00.000Z")
    );
    assert_eq!(
        next(occurrence).as_deref(),
        Some("2026-05-06T14:30:00.000Z")
    );
    assert_eq!(
        next(occurrence + 1).as_deref(),
        Some("2026-05-06T14:30:00.000Z")
    );
}
