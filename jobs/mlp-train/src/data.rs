//! Parsing the digits CSV: 64 pixel counts 0..=16, then the label 0..=9, per line.

use crate::{CLASSES, Error, INPUTS};

/// Largest pixel count in the data set (pixels count set bits in a 4×4 block).
const MAX_PIXEL: u8 = 16;

/// One labelled 8×8 image.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Pixel counts scaled to `[0, 1]` (divided by 16).
    pub pixels: [f32; INPUTS],
    /// The digit, 0..=9.
    pub label: u8,
}

/// Parses the whole CSV; any malformed line fails with its 1-based line number.
///
/// Blank lines are rejected too, except that the file may end with a newline.
pub fn parse_csv(text: &str) -> Result<Vec<Sample>, Error> {
    let mut samples = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |reason: String| Error::Parse { line, reason };
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            return Err(err("blank line".into()));
        }
        let mut fields = raw.split(',');
        let mut pixels = [0.0f32; INPUTS];
        for (i, pixel) in pixels.iter_mut().enumerate() {
            let field = fields
                .next()
                .ok_or_else(|| err(format!("expected {} fields, found {i}", INPUTS + 1)))?;
            let value = parse_small(field, MAX_PIXEL).ok_or_else(|| {
                err(format!("field {}: {field:?} is not a pixel count 0..=16", i + 1))
            })?;
            *pixel = f32::from(value) / f32::from(MAX_PIXEL);
        }
        let field = fields
            .next()
            .ok_or_else(|| err(format!("expected {} fields, found {INPUTS}", INPUTS + 1)))?;
        let label = parse_small(field, CLASSES as u8 - 1)
            .ok_or_else(|| err(format!("label {field:?} is not a digit 0..=9")))?;
        let extra = fields.count();
        if extra > 0 {
            return Err(err(format!(
                "expected {} fields, found {}",
                INPUTS + 1,
                INPUTS + 1 + extra
            )));
        }
        samples.push(Sample { pixels, label });
    }
    if samples.is_empty() {
        return Err(Error::Parse { line: 1, reason: "no samples".into() });
    }
    Ok(samples)
}

/// Parses a decimal integer `0..=max`, allowing surrounding spaces and a `.0` suffix.
fn parse_small(field: &str, max: u8) -> Option<u8> {
    let field = field.trim();
    let digits = field.strip_suffix(".0").unwrap_or(field);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u8>().ok().filter(|v| *v <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(pixels: &str, label: &str) -> String {
        format!("{},{label}", vec![pixels; INPUTS].join(","))
    }

    #[test]
    fn parses_and_scales() {
        let text = format!("{}\n{}\r\n", line("16", "3"), line("0", "9"));
        let s = parse_csv(&text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, 3);
        assert!(s[0].pixels.iter().all(|p| *p == 1.0));
        assert_eq!(s[1].label, 9);
        assert!(s[1].pixels.iter().all(|p| *p == 0.0));
    }

    fn parse_error(text: &str) -> (usize, String) {
        match parse_csv(text) {
            Err(Error::Parse { line, reason }) => (line, reason),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn rejects_malformed_lines_with_line_number() {
        let good = line("1", "1");
        let cases = [
            (format!("{good}\n{}", line("1", "10")), 2, "label"),
            (format!("{good}\n{good}\n{}", line("17", "1")), 3, "pixel"),
            (format!("{good}\n{}", line("x", "1")), 2, "pixel"),
            (format!("{good}\n{}", line("-1", "1")), 2, "pixel"),
            (format!("{good}\n1,2,3"), 2, "expected 65 fields, found 3"),
            (format!("{good},4"), 1, "expected 65 fields, found 66"),
            (format!("{good}\n\n{good}"), 2, "blank line"),
        ];
        for (text, want_line, want_reason) in cases {
            let (line, reason) = parse_error(&text);
            assert_eq!(line, want_line, "{reason}");
            assert!(reason.contains(want_reason), "{reason:?} lacks {want_reason:?}");
            let shown = parse_csv(&text).unwrap_err().to_string();
            assert!(shown.starts_with(&format!("line {want_line}: ")), "{shown}");
        }
    }

    #[test]
    fn rejects_empty_input() {
        assert_eq!(parse_error("").1, "no samples");
    }
}
