//! WASI command: train the digits MLP and write `model.bin` and `metrics.json`.

use std::path::Path;
use std::process::ExitCode;

use rigshare_job_mlp_train::{Args, Error, parse_csv, train};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mlp-train: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let args = Args::parse(std::env::args().skip(1))?;
    let io = |path: &str| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    if args.data.ends_with(".gz") {
        return Err(Error::Args(format!(
            "{}: gzip is not supported, pass the decompressed CSV",
            args.data
        )));
    }

    let text = std::fs::read_to_string(&args.data).map_err(io(&args.data))?;
    let samples = parse_csv(&text)?;
    let c = &args.config;
    println!(
        "mlp-train: {} samples, hidden {}, epochs {}, lr {}, seed {}",
        samples.len(),
        c.hidden,
        c.epochs,
        c.lr,
        c.seed
    );
    let outcome = train(&samples, c, |epoch, loss| {
        println!("epoch {epoch}/{} loss {loss:.6}", c.epochs);
    })?;
    println!(
        "train accuracy {:.6} test accuracy {:.6}",
        outcome.metrics.train_accuracy, outcome.metrics.test_accuracy
    );

    std::fs::create_dir_all(&args.out).map_err(io(&args.out))?;
    let out = Path::new(&args.out);
    let model_path = out.join("model.bin").display().to_string();
    std::fs::write(&model_path, outcome.model.to_bytes()).map_err(io(&model_path))?;
    let metrics_path = out.join("metrics.json").display().to_string();
    std::fs::write(&metrics_path, outcome.metrics.to_json()).map_err(io(&metrics_path))?;
    println!("wrote {model_path} and {metrics_path}");
    Ok(())
}
