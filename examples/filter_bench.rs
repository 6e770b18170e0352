//! Per-keystroke latency of the wizard's fuzzy filter (`wizard::filter`) on
//! realistic data: 10,000 project names and a 20,000-node area tree
//! (`Enterprise Portfolio\Finance\EMEA\Team 12` style paths).
//!
//! Queries are typed one character at a time, then erased with Backspace,
//! then pasted whole; each keystroke is timed as the UI pays for it:
//! `set_query` plus the 20 highlighted rows of `window` a frame renders.
//! The SPEC's budget is one frame (16 ms) per keystroke.
//!
//! ```text
//! cargo run --release --example filter_bench            # table
//! cargo run --release --example filter_bench -- --json  # JSON
//! cargo run --release --example filter_bench -- --verbose  # + each keystroke
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use ado_setup::wizard::filter::FilterList;

/// Rows a frame renders.
const ROWS: usize = 20;
/// How often each query is typed (more samples for the percentiles).
const REPEATS: usize = 15;

/// xorshift64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn project_names(n: usize) -> Vec<String> {
    const COMPANIES: &[&str] = &[
        "Contoso",
        "Fabrikam",
        "Tailspin",
        "Northwind",
        "Adventure Works",
        "Woodgrove",
        "Litware",
        "Proseware",
        "Wingtip",
        "Alpine Ski House",
        "Coho Winery",
        "Fourth Coffee",
        "Lamna Healthcare",
        "Margie's Travel",
        "Trey Research",
        "VanArsdel",
        "Wide World Importers",
        "Relecloud",
        "Humongous Insurance",
        "Lucerne Publishing",
    ];
    const AREAS: &[&str] = &[
        "Payments",
        "Mobile",
        "Web Portal",
        "Data Lake",
        "Identity",
        "Billing",
        "Search",
        "Analytics",
        "Finance",
        "HR",
        "Supply Chain",
        "Logistics",
        "CRM",
        "ERP",
        "Reporting",
        "Infrastructure",
        "Platform",
        "Security",
        "Customer Portal",
        "Marketing",
    ];
    const SUFFIXES: &[&str] = &[
        "API",
        "App",
        "Service",
        "Backend",
        "Frontend",
        "Migration",
        "v2",
        "Legacy",
        "Modernization",
        "Pipeline",
        "Integration",
        "Tools",
        "EMEA",
        "APAC",
        "NA",
        "",
    ];
    const SEPARATORS: &[&str] = &[" ", " ", "-", ".", "_"];
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    (0..n)
        .map(|i| {
            let sep = rng.pick(SEPARATORS);
            let mut name = format!("{}{sep}{}", rng.pick(COMPANIES), rng.pick(AREAS));
            let suffix = rng.pick(SUFFIXES);
            if !suffix.is_empty() {
                name.push_str(sep);
                name.push_str(suffix);
            }
            if i % 3 == 0 {
                name.push_str(&format!(" {}", i % 97));
            }
            name.replace(' ', if sep == " " { " " } else { sep })
        })
        .collect()
}

fn tree_paths(n: usize) -> Vec<String> {
    const DIVISIONS: &[&str] = &[
        "Finance",
        "Engineering",
        "Sales",
        "Marketing",
        "Operations",
        "Human Resources",
        "Legal",
        "Research",
        "Customer Support",
        "Manufacturing",
        "Procurement",
        "IT Services",
    ];
    const REGIONS: &[&str] = &["EMEA", "APAC", "North America", "LATAM", "ANZ"];
    const PROGRAMS: &[&str] = &[
        "Program Alpha",
        "Program Beta",
        "Modernization",
        "Cloud Migration",
        "Compliance",
        "Growth",
        "Platform",
        "Data",
    ];
    let root = "Enterprise Portfolio";
    let mut out = vec![root.to_string()];
    'outer: for team in 0.. {
        for division in DIVISIONS {
            if team == 0 {
                out.push(format!(r"{root}\{division}"));
            }
            for region in REGIONS {
                if team == 0 {
                    out.push(format!(r"{root}\{division}\{region}"));
                }
                for program in PROGRAMS {
                    let path = if team == 0 {
                        format!(r"{root}\{division}\{region}\{program}")
                    } else {
                        format!(r"{root}\{division}\{region}\{program}\Team {team}")
                    };
                    out.push(path);
                    if out.len() >= n {
                        break 'outer;
                    }
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct Samples {
    typing: Vec<Duration>,
    backspace: Vec<Duration>,
    paste: Vec<Duration>,
}

fn time_keystroke(list: &mut FilterList<String>, query: &str) -> Duration {
    let start = Instant::now();
    list.set_query(query);
    let offset = list.scroll_offset(0, ROWS);
    black_box(list.window(offset, ROWS));
    start.elapsed()
}

fn run(items: Vec<String>, queries: &[&str], verbose: bool) -> (Samples, Vec<(String, usize)>) {
    let mut list = FilterList::new(items);
    let mut samples = Samples::default();
    let mut finals = Vec::new();
    for repeat in 0..REPEATS {
        for query in queries {
            list.set_query("");
            let prefixes: Vec<&str> = query
                .char_indices()
                .map(|(i, c)| &query[..i + c.len_utf8()])
                .collect();
            for prefix in &prefixes {
                let took = time_keystroke(&mut list, prefix);
                if verbose && repeat == 0 {
                    eprintln!(
                        "  {prefix:<20} {:>8.3} ms  {:>6} visible",
                        took.as_secs_f64() * 1e3,
                        list.len()
                    );
                }
                samples.typing.push(took);
            }
            if repeat == 0 {
                finals.push((query.to_string(), list.len()));
            }
            for prefix in prefixes.iter().rev().skip(1) {
                samples.backspace.push(time_keystroke(&mut list, prefix));
            }
            samples.backspace.push(time_keystroke(&mut list, ""));
            // Paste: the whole query at once (no narrowing from a previous result).
            samples.paste.push(time_keystroke(&mut list, query));
            list.set_query("");
        }
    }
    (samples, finals)
}

struct Stats {
    count: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(samples: &[Duration]) -> Stats {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if ms.is_empty() {
            return 0.0;
        }
        let idx = ((ms.len() as f64 - 1.0) * q).round() as usize;
        ms[idx.min(ms.len() - 1)]
    };
    Stats {
        count: ms.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: ms.last().copied().unwrap_or(0.0),
    }
}

fn round3(ms: f64) -> f64 {
    (ms * 1e3).round() / 1e3
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let verbose = std::env::args().any(|a| a == "--verbose");
    let datasets: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "projects",
            project_names(10_000),
            vec![
                "fin emea",
                "payments api",
                "fab mobile",
                "contoso web portal",
                "zzz",
            ],
        ),
        (
            "area tree",
            tree_paths(20_000),
            vec![
                "fin emea",
                "eng apac team 12",
                "portfolio sales",
                "ops na alpha",
                "team 7",
            ],
        ),
    ];

    let mut rows = Vec::new();
    for (name, items, queries) in datasets {
        let total = items.len();
        let (samples, finals) = run(items, &queries, verbose);
        for (kind, s) in [
            ("typing", &samples.typing),
            ("backspace", &samples.backspace),
            ("paste", &samples.paste),
        ] {
            rows.push((name, total, kind, stats(s)));
        }
        if !json {
            eprintln!(
                "{name}: {}",
                finals
                    .iter()
                    .map(|(q, n)| format!("{q:?} → {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    if json {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, total, kind, s)| {
                serde_json::json!({
                    "dataset": name,
                    "items": total,
                    "kind": kind,
                    "keystrokes": s.count,
                    "p50_ms": round3(s.p50),
                    "p99_ms": round3(s.p99),
                    "max_ms": round3(s.max),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({ "schema": "ado-setup.filter-bench/v1", "budget_ms": 16, "results": out })
        );
        return;
    }
    println!(
        "{:<10} {:>6}  {:<9} {:>10} {:>8} {:>8} {:>8}",
        "dataset", "items", "keystroke", "samples", "p50 ms", "p99 ms", "max ms"
    );
    for (name, total, kind, s) in &rows {
        println!(
            "{:<10} {:>6}  {:<9} {:>10} {:>8.3} {:>8.3} {:>8.3}",
            name, total, kind, s.count, s.p50, s.p99, s.max
        );
    }
    println!("(each keystroke: set_query + {ROWS} highlighted rows; budget 16 ms)");
}
