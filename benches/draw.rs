//! Drawing the cockpit: a 200x50 frame with every pane populated, the
//! Canary pane live with charts (goal: at most 1 ms), and the bytes a real terminal backend writes per frame
//! (printed before the timings): the first full frame, a steady-state
//! frame where only the clock moved, and a frame where nothing changed,
//! and the CPU time of a frame (the thread's CPU clock, which a loaded
//! machine does not inflate).

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group};
use greenlight::tui::app::{App, draw as draw_app, fixture};
use greenlight::tui::fixture as sample;
use greenlight::tui::place::Pane;
use greenlight::tui::theme::Theme;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const W: u16 = 200;
const H: u16 = 50;

/// The canary sample (a live judgement: three metrics, 61 samples a
/// side, braille charts) with a busy Logs pane (the real pane: its
/// model holding lines from two sources).
fn busy_app() -> App {
    let mut app = fixture::canary_app(Theme::default_theme(), true)
        .expect("the sample session follows the rules");
    fixture::busy(&mut app, 600);
    app
}

/// Draw the app (the layout it returns is the app's to keep; the bench
/// measures the draw).
fn frame(f: &mut ratatui::Frame, app: &App) {
    draw_app(f, app);
}

/// A `Write` that only counts.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn report_bytes() {
    let counter = Counter::default();
    let backend = CrosstermBackend::new(counter.clone());
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .expect("terminal");
    let mut app = busy_app();
    let mut frame = |app: &App| {
        let before = counter.0.load(Ordering::Relaxed);
        terminal.draw(|f| frame(f, app)).expect("draw");
        counter.0.load(Ordering::Relaxed) - before
    };
    let first = frame(&app);
    let mut ticks = Vec::new();
    for s in 1..=10 {
        app.now = Some(sample::Sample::at(42 * 60 + 10 + s));
        ticks.push(frame(&app));
    }
    let idle = frame(&app);
    let mean = ticks.iter().sum::<usize>() as f64 / ticks.len() as f64;
    println!(
        "bytes per {W}x{H} frame: first (full) {first}, steady state (clock tick) {mean:.0} (min {}, max {}), unchanged {idle}",
        ticks.iter().min().unwrap_or(&0),
        ticks.iter().max().unwrap_or(&0),
    );
}

/// This thread's CPU time: what a frame costs on the core, whatever
/// else the machine runs (criterion's wall-clock figures on a loaded
/// machine count the time other processes had the core too).
fn cpu_now() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The CPU time of a 200x50 frame with every pane populated: the median
/// of 7 batches of 300 frames, printed before criterion's wall-clock
/// figures.
fn report_cpu() {
    let app = busy_app();
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    let mut batches: Vec<f64> = (0..7)
        .map(|_| {
            let start = cpu_now();
            for _ in 0..300 {
                terminal
                    .draw(|f| frame(black_box(f), black_box(&app)))
                    .expect("draw");
            }
            (cpu_now() - start).as_secs_f64() * 1e6 / 300.0
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    println!(
        "CPU time per {W}x{H} frame, every pane populated: median {:.0} µs (batches of 300: {:.0}–{:.0} µs)",
        batches[3], batches[0], batches[6]
    );
}

fn draw(c: &mut Criterion) {
    let mut app = busy_app();
    let mut terminal = Terminal::new(TestBackend::new(W, H)).expect("terminal");
    c.bench_function("draw 200x50 every pane populated", |b| {
        b.iter(|| {
            terminal
                .draw(|f| frame(black_box(f), black_box(&app)))
                .expect("draw");
        })
    });
    let mut second = 0;
    c.bench_function("draw 200x50 clock tick", |b| {
        b.iter(|| {
            second += 1;
            app.now = Some(sample::Sample::at(second));
            terminal.draw(|f| frame(f, &app)).expect("draw");
        })
    });
    let mut zoomed = busy_app();
    zoomed.focus = Pane::Canary;
    zoomed.zoom = true;
    c.bench_function("draw 200x50 canary pane zoomed (charts)", |b| {
        b.iter(|| {
            terminal
                .draw(|f| frame(f, black_box(&zoomed)))
                .expect("draw");
        })
    });
    let mut small = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let app80 = busy_app();
    c.bench_function("draw 80x24 every pane populated", |b| {
        b.iter(|| {
            small.draw(|f| frame(f, black_box(&app80))).expect("draw");
        })
    });
}

criterion_group!(benches, draw);

fn main() {
    report_bytes();
    report_cpu();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
