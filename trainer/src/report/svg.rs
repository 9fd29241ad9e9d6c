//! A small SVG chart writer for the HTML report: one plot area with linear axes, grid and ticks,
//! and lines, bands, bars, points and markers drawn in data coordinates.
//!
//! Charts scale with their container (`viewBox`, no fixed size) and are styled by CSS classes
//! of the report, so the same markup reads in light and dark themes and in print.

use std::fmt::Write as _;

/// Colours of data series, by index; chosen to stay apart for colour-blind readers.
pub const PALETTE: [&str; 6] = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"];

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 46.0;

/// One axis: its range and label.
#[derive(Clone, Debug)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub label: String,
    /// Tick labels as percentages.
    pub percent: bool,
}

impl Axis {
    pub fn new(label: &str, min: f64, max: f64) -> Axis {
        let (min, max) = if max > min && min.is_finite() && max.is_finite() {
            (min, max)
        } else {
            (min.min(0.0), min.max(0.0) + 1.0)
        };
        Axis { min, max, label: label.into(), percent: false }
    }

    pub fn percent(mut self) -> Axis {
        self.percent = true;
        self
    }

    /// Round tick values covering the range, about `n` of them.
    fn ticks(&self, n: usize) -> Vec<f64> {
        let span = self.max - self.min;
        let raw = span / n as f64;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        let first = (self.min / step).ceil() as i64;
        let last = (self.max / step + 1e-9).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    }

    fn format(&self, v: f64) -> String {
        if self.percent {
            return format!("{}%", trim(v * 100.0));
        }
        trim(v)
    }
}

/// A number without needless digits: 0.25, 12, 1.5k.
fn trim(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        return format!("{}k", trim(v / 1000.0));
    }
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Escapes text for XML content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where the legend sits inside the plot area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomRight,
}

/// A chart being drawn.
pub struct Chart {
    title: String,
    x: Axis,
    y: Axis,
    body: String,
    legend: Vec<(String, String, bool)>,
    corner: Corner,
}

impl Chart {
    pub fn new(title: &str, x: Axis, y: Axis) -> Chart {
        Chart { title: title.into(), x, y, body: String::new(), legend: Vec::new(), corner: Corner::TopRight }
    }

    /// Puts the legend in another corner, away from the data.
    pub fn legend_at(mut self, corner: Corner) -> Chart {
        self.corner = corner;
        self
    }

    fn px(&self, x: f64) -> f64 {
        let t = (x - self.x.min) / (self.x.max - self.x.min);
        LEFT + t.clamp(-0.05, 1.05) * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        let t = (y - self.y.min) / (self.y.max - self.y.min);
        HEIGHT - BOTTOM - t.clamp(-0.05, 1.05) * (HEIGHT - TOP - BOTTOM)
    }

    fn path(&self, points: &[(f64, f64)]) -> String {
        let mut d = String::new();
        for (i, &(x, y)) in points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()).enumerate() {
            let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, self.px(x), self.py(y));
        }
        d
    }

    fn add_legend(&mut self, label: Option<&str>, color: &str, dashed: bool) {
        if let Some(l) = label {
            self.legend.push((l.to_string(), color.to_string(), dashed));
        }
    }

    /// A polyline.
    pub fn line(
        &mut self,
        points: &[(f64, f64)],
        color: &str,
        width: f64,
        dashed: bool,
        label: Option<&str>,
    ) {
        let dash = if dashed { r#" stroke-dasharray="5 4""# } else { "" };
        let _ = write!(
            self.body,
            r#"<path d="{}" fill="none" stroke="{color}" stroke-width="{width}"{dash} stroke-linejoin="round"/>"#,
            self.path(points)
        );
        self.add_legend(label, color, dashed);
    }

    /// The area between two curves sampled at the same x values.
    pub fn band(&mut self, x: &[f64], lower: &[f64], upper: &[f64], color: &str, label: Option<&str>) {
        let mut pts: Vec<(f64, f64)> = x.iter().zip(upper).map(|(&x, &y)| (x, y)).collect();
        pts.extend(x.iter().zip(lower).rev().map(|(&x, &y)| (x, y)));
        let _ = write!(
            self.body,
            r#"<path d="{}Z" fill="{color}" fill-opacity="0.18" stroke="none"/>"#,
            self.path(&pts)
        );
        self.add_legend(label, color, false);
    }

    /// Vertical bars `(x_from, x_to, height)`.
    pub fn bars(&mut self, bars: &[(f64, f64, f64)], color: &str, opacity: f64, label: Option<&str>) {
        for &(x0, x1, h) in bars.iter().filter(|b| b.2.is_finite()) {
            let (left, right) = (self.px(x0), self.px(x1));
            let (top, base) = (self.py(h), self.py(self.y.min.max(0.0)));
            let _ = write!(
                self.body,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}" fill-opacity="{opacity}"/>"#,
                left,
                top.min(base),
                (right - left).max(0.5),
                (base - top).abs()
            );
        }
        self.add_legend(label, color, false);
    }

    /// Dots, with radius growing with `weights` (square-root scaled) when given.
    pub fn points(
        &mut self,
        points: &[(f64, f64)],
        weights: Option<&[f64]>,
        color: &str,
        label: Option<&str>,
    ) {
        let top = weights.map_or(1.0, |w| w.iter().copied().fold(0.0, f64::max).max(1e-12));
        for (i, &(x, y)) in points.iter().enumerate() {
            let r = weights.map_or(3.5, |w| 2.0 + 5.0 * (w[i] / top).sqrt());
            let _ = write!(
                self.body,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{r:.1}" fill="{color}" fill-opacity="0.75"/>"#,
                self.px(x),
                self.py(y)
            );
        }
        self.add_legend(label, color, false);
    }

    /// A vertical marker line with a short label at the top.
    pub fn marker(&mut self, x: f64, color: &str, text: &str) {
        let px = self.px(x);
        let _ = write!(
            self.body,
            r#"<line x1="{px:.1}" x2="{px:.1}" y1="{TOP}" y2="{:.1}" stroke="{color}" stroke-width="1.5" stroke-dasharray="3 3"/><text x="{:.1}" y="{:.1}" class="marker" fill="{color}">{}</text>"#,
            HEIGHT - BOTTOM,
            px + 4.0,
            TOP + 12.0,
            escape(text)
        );
    }

    /// The finished `<svg>` element.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="{LEFT}" y="18" class="title">{t}</text>"#,
            t = escape(&self.title)
        );
        let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
        for v in self.y.ticks(5) {
            let y = self.py(v);
            let _ = write!(
                s,
                r#"<line x1="{x0}" x2="{x1}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{}</text>"#,
                x0 - 6.0,
                y + 4.0,
                self.y.format(v)
            );
        }
        for v in self.x.ticks(6) {
            let x = self.px(v);
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" x2="{x:.1}" y1="{y1}" y2="{:.1}" class="axis"/><text x="{x:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
                y1 + 5.0,
                y1 + 18.0,
                self.x.format(v)
            );
        }
        let _ =
            write!(s, r#"<rect x="{x0}" y="{y0}" width="{}" height="{}" class="frame"/>"#, x1 - x0, y1 - y0);
        let _ = write!(s, r#"<g clip-path="none">{}</g>"#, self.body);
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle">{}</text><text transform="translate(14 {:.1}) rotate(-90)" class="label" text-anchor="middle">{}</text>"#,
            (x0 + x1) / 2.0,
            HEIGHT - 8.0,
            escape(&self.x.label),
            (y0 + y1) / 2.0,
            escape(&self.y.label)
        );
        // Legend: in a corner inside the frame, one row per series, on a backdrop.
        let rows = self.legend.len() as f64;
        let longest = self.legend.iter().map(|l| l.0.chars().count()).max().unwrap_or(0) as f64;
        let box_width = 34.0 + 5.6 * longest;
        let (bx, by) = match self.corner {
            Corner::TopLeft => (x0 + 8.0, y0 + 6.0),
            Corner::TopRight => (x1 - box_width - 6.0, y0 + 6.0),
            Corner::BottomRight => (x1 - box_width - 6.0, y1 - 10.0 - 16.0 * rows),
        };
        if !self.legend.is_empty() {
            let _ = write!(
                s,
                r#"<rect x="{bx:.1}" y="{by:.1}" width="{box_width:.1}" height="{:.1}" rx="4" class="backdrop"/>"#,
                8.0 + 16.0 * rows
            );
        }
        for (i, (label, color, dashed)) in self.legend.iter().enumerate() {
            let y = by + 17.0 + 16.0 * i as f64;
            let x = bx + 6.0;
            let dash = if *dashed { r#" stroke-dasharray="5 4""# } else { "" };
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="3"{dash}/><text x="{:.1}" y="{:.1}" class="legend">{}</text>"#,
                x + 18.0,
                y - 4.0,
                y - 4.0,
                x + 24.0,
                y,
                escape(label)
            );
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let p = Axis::new("p", 0.0, 1.0);
        let labels: Vec<String> = p.ticks(5).into_iter().map(|v| p.format(v)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(Axis::new("n", 0.0, 72.0).ticks(6), vec![0.0, 20.0, 40.0, 60.0]);
        assert_eq!(Axis::new("p", 0.0, 1.0).percent().format(0.25), "25%");
        assert_eq!(trim(18500.0), "18.5k");
    }

    #[test]
    fn text_is_escaped() {
        let mut c = Chart::new("A <b> & \"c\"", Axis::new("x", 0.0, 1.0), Axis::new("y", 0.0, 1.0));
        c.line(&[(0.0, 0.0), (1.0, 1.0)], PALETTE[0], 2.0, false, Some("x<y"));
        let svg = c.render();
        assert!(svg.contains("A &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(svg.contains("x&lt;y"));
        assert!(!svg.contains("<b>"));
    }
}
