//! Command-line arguments: `--data`, `--epochs`, `--hidden`, `--seed`, `--lr`, `--out`.

use crate::{Config, Error};

/// Where the data set is read from unless `--data` says otherwise.
pub const DEFAULT_DATA: &str = "/inputs/digits.csv";
/// Where `model.bin` and `metrics.json` go unless `--out` says otherwise.
pub const DEFAULT_OUT: &str = "/outputs";
/// Most digits accepted in `--lr`, so numerator and denominator stay exact.
const MAX_LR_DIGITS: usize = 9;

/// The parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Args {
    /// The CSV to train on.
    pub data: String,
    /// The output directory.
    pub out: String,
    /// Training hyper-parameters.
    pub config: Config,
}

impl Args {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, Error> {
        let mut parsed =
            Args { data: DEFAULT_DATA.into(), out: DEFAULT_OUT.into(), config: Config::default() };
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| Error::Args(format!("{flag} needs a value")))?;
            let bad = |what: &str| Error::Args(format!("{flag} {value:?}: expected {what}"));
            match flag.as_str() {
                "--data" => parsed.data = value,
                "--out" => parsed.out = value,
                "--epochs" => {
                    parsed.config.epochs = value.parse().map_err(|_| bad("an integer"))?
                }
                "--hidden" => {
                    parsed.config.hidden = value
                        .parse()
                        .ok()
                        .filter(|h| (1..=4096).contains(h))
                        .ok_or_else(|| bad("an integer 1..=4096"))?;
                }
                "--seed" => parsed.config.seed = value.parse().map_err(|_| bad("an integer"))?,
                "--lr" => {
                    parsed.config.lr = parse_lr(&value).ok_or_else(|| {
                        bad("a positive decimal (0.03) or integer thousandths (30)")
                    })?;
                }
                _ => return Err(Error::Args(format!("unknown flag {flag:?}"))),
            }
        }
        Ok(parsed)
    }
}

/// A learning rate: a decimal with a point (`0.03`, `.5`, `1.`) or an integer in thousandths
/// (`30` is 0.03). Positive, at most nine digits, no sign or exponent.
pub fn parse_lr(text: &str) -> Option<f32> {
    let (whole, frac, scale) = match text.split_once('.') {
        Some((whole, frac)) => (whole, frac, 10u64.checked_pow(frac.len() as u32)?),
        None => (text, "", 1000),
    };
    let digits = whole.len() + frac.len();
    let all_digits = whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    if digits == 0 || digits > MAX_LR_DIGITS || !all_digits {
        return None;
    }
    // Both fit in 30 bits, so the f64 conversions and the division are exact or correctly rounded.
    let numerator: u64 = format!("{whole}{frac}").parse().ok()?;
    if numerator == 0 {
        return None;
    }
    Some((numerator as f64 / scale as f64) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, Error> {
        Args::parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults() {
        let a = args(&[]).unwrap();
        assert_eq!(a.data, DEFAULT_DATA);
        assert_eq!(a.out, DEFAULT_OUT);
        assert_eq!(a.config, Config::default());
    }

    #[test]
    fn all_flags() {
        let a = args(&[
            "--data", "d.csv", "--epochs", "5", "--hidden", "16", "--seed", "7", "--lr", "50",
            "--out", "o",
        ])
        .unwrap();
        assert_eq!(a.data, "d.csv");
        assert_eq!(a.out, "o");
        assert_eq!(a.config, Config { epochs: 5, hidden: 16, seed: 7, lr: 0.05 });
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            &["--epochs"][..],
            &["--epochs", "-1"],
            &["--hidden", "0"],
            &["--lr", "0"],
            &["--bogus", "1"],
        ] {
            assert!(matches!(args(bad), Err(Error::Args(_))), "{bad:?}");
        }
    }

    #[test]
    fn learning_rates() {
        assert_eq!(parse_lr("0.03"), Some(0.03));
        assert_eq!(parse_lr("30"), Some(0.03));
        assert_eq!(parse_lr("1000"), Some(1.0));
        assert_eq!(parse_lr(".5"), Some(0.5));
        assert_eq!(parse_lr("2."), Some(2.0));
        assert_eq!(parse_lr("0.000000001"), None); // ten digits
        for bad in ["", ".", "0", "0.0", "-0.1", "+1", "1e-3", "1.2.3", "0,1", " 1", "nan"] {
            assert_eq!(parse_lr(bad), None, "{bad:?}");
        }
    }
}
