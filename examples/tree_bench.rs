//! The area picker with a 20,000-node tree: time to open (build the picker
//! from the classification tree) and per-keystroke filter time while a query
//! is typed and erased. Target: under 16 ms per keystroke in a release build.
//!
//! ```text
//! cargo run --release --example tree_bench
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ado_setup::ado::models::ClassificationNode;
use ado_setup::wizard::tree::TreePicker;

/// A project's area tree: 20 divisions × 10 departments × 10 teams × 10
/// components = 20,000 nodes below the root (plus the levels above).
fn tree() -> ClassificationNode {
    let node = |name: String, children: Vec<ClassificationNode>| {
        serde_json::from_value::<ClassificationNode>(serde_json::json!({
            "name": name,
            "hasChildren": !children.is_empty(),
        }))
        .map(|mut n| {
            n.children = children;
            n
        })
        .unwrap()
    };
    let divisions = (0..20)
        .map(|d| {
            let departments = (0..10)
                .map(|p| {
                    let teams = (0..10)
                        .map(|t| {
                            let components = (0..10)
                                .map(|c| {
                                    node(
                                        format!(
                                            "{} component {c}",
                                            ["Backend", "Frontend", "Data", "Ops", "Mobile"][c % 5]
                                        ),
                                        Vec::new(),
                                    )
                                })
                                .collect();
                            node(format!("Team {d}-{p}-{t}"), components)
                        })
                        .collect();
                    node(format!("Department {d}-{p}"), teams)
                })
                .collect();
            node(format!("Division {d}"), departments)
        })
        .collect();
    node("Enterprise Portfolio".into(), divisions)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let root = tree();
    let started = Instant::now();
    let mut picker = TreePicker::from_classification(&root);
    let open = started.elapsed();
    let total = picker.total();

    let mut times = Vec::new();
    for query in ["team 7-3 backend", "component 9", "ops", "zz-no-match"] {
        let mut q = String::new();
        for c in query.chars() {
            q.push(c);
            let t = Instant::now();
            picker.set_query(&q);
            let _ = picker.window(picker.scroll_offset(20), 20);
            times.push(t.elapsed());
        }
        while q.pop().is_some() {
            let t = Instant::now();
            picker.set_query(&q);
            let _ = picker.window(picker.scroll_offset(20), 20);
            times.push(t.elapsed());
        }
    }
    // Moving and folding without a filter.
    let mut moves = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        picker.select_next();
        picker.expand();
        let _ = picker.window(picker.scroll_offset(20), 20);
        moves.push(t.elapsed());
    }
    times.sort();
    moves.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("area picker, {total} nodes");
    println!(
        "{:<28} {:>9}",
        "open (build the picker)",
        format!("{:.2} ms", ms(open))
    );
    println!(
        "{:<28} {:>9}  p99 {:.2} ms  max {:.2} ms  ({} keystrokes)",
        "filter keystroke p50",
        format!("{:.2} ms", ms(percentile(&times, 0.5))),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
        times.len()
    );
    println!(
        "{:<28} {:>9}  p99 {:.2} ms",
        "move + expand p50",
        format!("{:.3} ms", ms(percentile(&moves, 0.5))),
        ms(percentile(&moves, 0.99)),
    );
    let target = Duration::from_millis(16);
    println!(
        "target: under 16 ms per keystroke: {}",
        if percentile(&times, 0.99) < target {
            "met"
        } else {
            "MISSED"
        }
    );
}
