//! `rigshare offers search '<query>'`.

use anyhow::Context as _;
use clap::Args;
use rigshare_types::query::Query;

use crate::settings::Global;

/// Options of `offers search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query, e.g. 'gpu_model in [H100,A100] vram_gib>=40 price_gpu_hour<=1.2'.
    #[arg(default_value = "")]
    query: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `offers search`.
pub async fn search(args: SearchArgs, global: &Global) -> anyhow::Result<()> {
    Query::parse(&args.query)
        .map_err(|e| anyhow::anyhow!("invalid query:\n{}", e.render(&args.query)))?;
    let client = global.client()?;
    let offers = client.offers(&args.query).await.with_context(|| {
        format!(
            "cannot search offers at {}\nhint: is a node running? (`rigshare devnet`)",
            client.base_url()
        )
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&offers)?);
        return Ok(());
    }
    if offers.offers.is_empty() {
        println!("no offer matches ({} considered)", offers.considered);
        for (clause, excluded) in &offers.excluded_by {
            println!("  `{clause}` excluded {excluded}");
        }
        return Ok(());
    }
    println!(
        "{:<10} {:<14} {:>5} {:>8} {:>4} {:<14} {:>10} {:>8} {:>15}  endpoint",
        "provider",
        "model",
        "free",
        "vram_gib",
        "cc",
        "tier",
        "$/gpu-h",
        "reliab.",
        "done/aud/fail/x"
    );
    for o in &offers.offers {
        let id = o.provider.to_string();
        let st = o.stats;
        let record = format!("{}/{}/{}/{}", st.completed, st.audited, st.failed, st.slashed);
        println!(
            "{:<10} {:<14} {:>5} {:>8} {:>4} {:<14} {:>10} {:>7}% {:>15}  {}",
            id.get(..8).unwrap_or(&id),
            o.gpu.model,
            o.free_gpus,
            o.gpu.vram_mib / 1024,
            format!("{}.{}", o.gpu.compute_capability.major, o.gpu.compute_capability.minor),
            o.tier.to_string(),
            o.price_gpu_hour.to_string(),
            o.reliability_ppm / 10_000,
            record,
            o.endpoint
        );
    }
    println!(
        "done/aud/fail/x: leases completed / results confirmed by an audit or arbitration / \
         failed / proven wrong and slashed"
    );
    Ok(())
}
