//! `zg-da`: disperse, retrieve and sample blobs in 0G DA.
//!
//! ```text
//! zg-da submit ./batch.bin --suri //Ferdie
//! zg-da get 0x1c6f…e2 ./batch.bin
//! zg-da sample 0x1c6f…e2 --samples 30
//! zg-da status 0x1c6f…e2
//! zg-da keep 0x1c6f…e2 --suri //Ferdie --lifetime 14400
//! zg-da bench --blobs 8 --size-mib 16 --suri //Alice --suri //Bob
//! zg-da bench --blobs 48 --size-mib 32 --suri //Ferdie --lanes 16
//! ```
//!
//! `submit` extends and commits the blob here, submits `Da.submit_blob` (the fee by extended
//! bytes and the deposit into escrow, the submission fee to the treasury), delivers every
//! member of the epoch's committee its lines at its registered endpoint, checks each
//! signature, submits them in one `Da.attest`, and reports the blob Available. `get`
//! rebuilds a blob from any `k` rows, each checked against the commitment (a row no member
//! serves whole from `k` of its chunks, each proven against the commitment). `sample` asks the
//! members for random chunks with proofs and prints the probability that an unavailable blob
//! would have passed. `keep` hands a blob to 0G Storage for the long term: it rebuilds it and
//! uploads it exactly as `zg-storage upload` does (the `zg-storage` binary beside this one).
//! `bench` disperses blobs back to back (one lane per `--suri`, or `--lanes` in all, the
//! extra lanes on accounts derived from the first `--suri` and funded by it) and reports the
//! throughput of attested data.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::{path::PathBuf, time::Instant};
use zg_da_service::{client, root_hex};
use zg_worker_chain::{self as chain, da::ChainBlobStatus, Chain};

#[derive(Parser)]
#[command(version, about = "Disperse, retrieve and sample blobs in 0G DA")]
struct Cli {
	/// WebSocket RPC of a node.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	node: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Disperses FILE (at most 32 MiB) to the current committee and waits until it is
	/// Available.
	Submit {
		file: PathBuf,
		/// Secret URI of the paying account (the disperser).
		#[arg(long, default_value = "//Alice")]
		suri: String,
		/// The most to pay as the blob's fee, in plancks (default: what the chain asks).
		#[arg(long)]
		max_fee: Option<u128>,
		/// Test only: deliver lines that do not match the commitment (a dishonest
		/// disperser): the signers refuse them and the blob fails.
		#[arg(long, hide = true)]
		fault_bad_lines: bool,
	},
	/// Rebuilds the blob ROOT from any k rows of its members into OUT (a row no member
	/// serves whole is rebuilt from k of its chunks, each proven against the commitment).
	Get {
		root: String,
		out: PathBuf,
		/// Rebuild every row from single chunks (slower; what `get` falls back to for rows
		/// no member serves whole).
		#[arg(long)]
		from_cells: bool,
	},
	/// Samples random chunks of the blob ROOT, each proven against its commitment.
	Sample {
		root: String,
		/// Chunks to ask for.
		#[arg(long, default_value_t = 30)]
		samples: u32,
	},
	/// Shows the blob ROOT on chain.
	Status { root: String },
	/// Keeps the blob ROOT in 0G Storage: rebuilds it, then uploads it with `zg-storage upload`
	/// (through the storage gateway `--worker`, paid by `--suri`) and waits until Finalized.
	Keep {
		root: String,
		/// Base URL of the storage gateway.
		#[arg(long, default_value = "http://127.0.0.1:8700")]
		worker: String,
		/// Secret URI of the paying account.
		#[arg(long, default_value = "//Alice")]
		suri: String,
		/// Lifetime in blocks.
		#[arg(long, default_value_t = 14_400)]
		lifetime: u32,
		/// Data shards `k`.
		#[arg(long, default_value_t = 2)]
		data_shards: u16,
		/// Parity shards `m`.
		#[arg(long, default_value_t = 2)]
		parity_shards: u16,
	},
	/// Disperses `--blobs` random blobs of `--size-mib` back to back, one lane per `--suri`
	/// (or `--lanes` in all), and reports the attested throughput.
	Bench {
		/// Blobs in all.
		#[arg(long, default_value_t = 4)]
		blobs: u32,
		/// Size of each blob, in MiB (at most 32).
		#[arg(long, default_value_t = 16)]
		size_mib: u64,
		/// Secret URIs of the dispersers, one lane each (repeatable).
		#[arg(long = "suri", default_value = "//Alice")]
		suris: Vec<String>,
		/// Lanes in all (default: one per `--suri`). Lanes past the `--suri` accounts use
		/// accounts `<first suri>//da-bench//<i>`, which the first account funds with
		/// `--lane-funds` 0G each before the run (a lane needs the blob's deposit and fees).
		#[arg(long)]
		lanes: Option<u32>,
		/// 0G sent to each derived lane account.
		#[arg(long, default_value_t = 10)]
		lane_funds: u32,
	},
}

fn say(line: String) {
	println!("{line}");
}

async fn submit(chain: &Chain, file: &PathBuf, suri: &str, options: client::Options) -> Result<()> {
	let key = chain::keypair(suri)?;
	let blob =
		tokio::fs::read(file).await.with_context(|| format!("cannot read {}", file.display()))?;
	if blob.is_empty() {
		bail!("{} is empty", file.display());
	}
	let started = Instant::now();
	let d = client::disperse(chain, &key, blob, options, &say).await?;
	let t = d.timings;
	println!(
		"encode {:.2} s, submit {:.2} s, deliver {:.2} s, attest {:.2} s, finality {:.2} s; {} in {:.2} s",
		t.encode.as_secs_f64(),
		t.submit.as_secs_f64(),
		t.deliver.as_secs_f64(),
		t.attest.as_secs_f64(),
		t.finality.as_secs_f64(),
		if d.available { "available" } else { "not available" },
		started.elapsed().as_secs_f64()
	);
	if !d.available {
		bail!("the chain does not report blob {} available", root_hex(&d.root));
	}
	println!("Available {}", root_hex(&d.root));
	Ok(())
}

async fn status(chain: &Chain, root: &str) -> Result<()> {
	let root = chain::parse_root(root)?;
	let Some(blob) = chain.da_blob(&root).await? else {
		bail!("blob {} is not on chain", root_hex(&root));
	};
	let seats = chain.da_committee(blob.epoch).await?.map_or(0, |c| c.seats.len() as u32);
	let state = match blob.status {
		ChainBlobStatus::Pending => {
			format!("Pending (attestations until block {})", blob.attest_by)
		},
		ChainBlobStatus::Available { since, until } => {
			format!("Available since block {since}, kept until block {until}")
		},
	};
	println!("blob {}: {state}", root_hex(&root));
	println!(
		"  {} bytes ({}×{} chunks), epoch {}, disperser {}, submitted in block {}",
		blob.layout.size,
		blob.layout.side,
		blob.layout.side,
		blob.epoch,
		chain::ss58(&blob.disperser),
		blob.submitted_at
	);
	println!(
		"  attested by {} members holding {} of {seats} seats (quorum {})",
		blob.attesters.len(),
		blob.attested_seats,
		zg_primitives::da::quorum(seats)
	);
	Ok(())
}

/// What `keep` passes on to `zg-storage upload`.
struct KeepArgs<'a> {
	worker: &'a str,
	suri: &'a str,
	lifetime: u32,
	data_shards: u16,
	parity_shards: u16,
}

async fn keep(chain: &Chain, node: &str, root: &str, args: KeepArgs<'_>) -> Result<()> {
	let root = chain::parse_root(root)?;
	let blob = client::retrieve(chain, &root, client::Source::Rows, &say).await?;
	// A file of its own (created exclusively, removed when dropped), never a guessable path.
	let mut file = tempfile::Builder::new().prefix("zg-da-keep-").suffix(".bin").tempfile()?;
	std::io::Write::write_all(&mut file, &blob)?;
	let path = file.path().to_path_buf();
	println!(
		"blob {} rebuilt and checked ({} bytes); uploading it to 0G Storage",
		root_hex(&root),
		blob.len()
	);
	let storage = std::env::current_exe()?.with_file_name("zg-storage");
	// The CLI has nothing else to do meanwhile: wait for it on this thread.
	let status = std::process::Command::new(&storage)
		.args(["--node", node, "--worker", args.worker, "upload"])
		.arg(&path)
		.args(["--suri", args.suri, "--lifetime", &args.lifetime.to_string()])
		.args(["--data-shards", &args.data_shards.to_string()])
		.args(["--parity-shards", &args.parity_shards.to_string()])
		.status()
		.with_context(|| format!("cannot run {}", storage.display()));
	drop(file);
	if !status?.success() {
		bail!("zg-storage upload failed");
	}
	Ok(())
}

/// Lanes allowed to a bench: each holds a blob (and its extended square) in memory.
const MAX_LANES: u32 = 64;

/// The bench's keys: one per `--suri`, then `lanes` in all on accounts derived from the first
/// one, funded by it with `lane_funds` 0G each (in one transaction).
async fn bench_keys(
	chain: &Chain,
	suris: &[String],
	lanes: Option<u32>,
	lane_funds: u32,
) -> Result<Vec<chain::Keypair>> {
	let mut keys = suris.iter().map(|s| chain::keypair(s)).collect::<Result<Vec<_>>>()?;
	let lanes = lanes.unwrap_or(keys.len() as u32);
	if lanes == 0 || lanes > MAX_LANES {
		bail!("--lanes is 1 to {MAX_LANES}");
	}
	let (Some(first), Some(funder)) = (suris.first(), keys.first().cloned()) else {
		bail!("at least one --suri is needed");
	};
	keys.truncate(lanes as usize);
	let derived = (keys.len() as u32..lanes)
		.map(|i| chain::keypair(&format!("{first}//da-bench//{i}")))
		.collect::<Result<Vec<_>>>()?;
	if !derived.is_empty() {
		let accounts: Vec<_> = derived.iter().map(|k| k.public_key().0).collect();
		let amount = u128::from(lane_funds).saturating_mul(zg_primitives::currency::ZG);
		println!("funding {} lane accounts with {lane_funds} 0G each from {first}", accounts.len());
		chain.fund(&funder, &accounts, amount).await.context("cannot fund the lanes")?;
	}
	keys.extend(derived);
	Ok(keys)
}

async fn bench(
	chain: &Chain,
	blobs: u32,
	size_mib: u64,
	suris: &[String],
	lanes: Option<u32>,
	lane_funds: u32,
) -> Result<()> {
	if size_mib == 0 || size_mib > 32 {
		bail!("--size-mib is 1 to 32");
	}
	let keys = bench_keys(chain, suris, lanes, lane_funds).await?;
	let lanes = keys.len() as u32;
	let started = Instant::now();
	let quiet = |_: String| {};
	// Each lane disperses its next blob as soon as the previous one's attestations are in a
	// best block; the wait for their finality runs beside it, and a blob counts once final.
	let runs = futures::future::join_all(keys.iter().enumerate().map(|(lane, key)| {
		let quiet = &quiet;
		async move {
			let mut finishing = Vec::new();
			for n in (lane as u32..blobs).step_by(lanes as usize) {
				let mut blob = vec![0u8; (size_mib << 20) as usize];
				rand::Rng::fill(&mut rand::thread_rng(), &mut blob[..]);
				let t0 = Instant::now();
				let options = client::Options::default();
				match client::disperse_included(chain, key, blob, options, quiet).await {
					Ok(attested) => finishing.push(tokio::spawn(async move {
						let d = attested.finalized().await;
						(n, t0.elapsed(), d)
					})),
					Err(e) => {
						let secs = t0.elapsed().as_secs_f64();
						println!("blob {n}: failed after {secs:.2} s: {e:#}");
					},
				}
			}
			let mut done = Vec::new();
			for finish in finishing {
				let (n, took, d) = finish.await?;
				match d {
					Ok(d) => {
						println!(
							"blob {n}: {} {} in {:.2} s (encode {:.2}, submit {:.2}, deliver {:.2}, attest {:.2}, finality {:.2})",
							root_hex(&d.root),
							if d.available { "Available" } else { "NOT available" },
							took.as_secs_f64(),
							d.timings.encode.as_secs_f64(),
							d.timings.submit.as_secs_f64(),
							d.timings.deliver.as_secs_f64(),
							d.timings.attest.as_secs_f64(),
							d.timings.finality.as_secs_f64()
						);
						done.push(d);
					},
					Err(e) => println!("blob {n}: failed after {:.2} s: {e:#}", took.as_secs_f64()),
				}
			}
			anyhow::Ok(done)
		}
	}))
	.await;
	let elapsed = started.elapsed().as_secs_f64();
	let mut all = Vec::new();
	for run in runs {
		all.extend(run?);
	}
	let available = all.iter().filter(|d| d.available).count();
	let bytes: u64 = all.iter().filter(|d| d.available).map(|d| d.layout.size).sum();
	let mean = |f: fn(&client::Timings) -> f64| {
		all.iter().map(|d| f(&d.timings)).sum::<f64>() / all.len().max(1) as f64
	};
	println!(
		"{available} of {blobs} blobs of {size_mib} MiB Available (final) in {elapsed:.1} s over {lanes} lanes: {:.2} MB/s of original data",
		bytes as f64 / 1e6 / elapsed
	);
	println!(
		"mean per blob: encode {:.2} s, submit {:.2} s, deliver {:.2} s, attest {:.2} s, then finality {:.2} s",
		mean(|t| t.encode.as_secs_f64()),
		mean(|t| t.submit.as_secs_f64()),
		mean(|t| t.deliver.as_secs_f64()),
		mean(|t| t.attest.as_secs_f64()),
		mean(|t| t.finality.as_secs_f64())
	);
	Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	let chain = Chain::connect(&cli.node).await?;
	match &cli.command {
		Command::Submit { file, suri, max_fee, fault_bad_lines } => {
			let options = client::Options { max_fee: *max_fee, fault_bad_lines: *fault_bad_lines };
			submit(&chain, file, suri, options).await
		},
		Command::Get { root, out, from_cells } => {
			let root = chain::parse_root(root)?;
			let started = Instant::now();
			let source = if *from_cells { client::Source::Cells } else { client::Source::Rows };
			let blob = client::retrieve(&chain, &root, source, &say).await?;
			tokio::fs::write(out, &blob)
				.await
				.with_context(|| format!("cannot write {}", out.display()))?;
			println!(
				"{} bytes of blob {} rebuilt and checked into {} in {:.2} s",
				blob.len(),
				root_hex(&root),
				out.display(),
				started.elapsed().as_secs_f64()
			);
			Ok(())
		},
		Command::Sample { root, samples } => {
			let root = chain::parse_root(root)?;
			let s = client::sample(&chain, &root, *samples, &say).await?;
			println!(
				"{} of {} chunks proven against the commitment; an unavailable blob passes this with probability at most {:.2e}",
				s.verified, s.asked, s.undetected
			);
			if s.verified < s.asked {
				bail!("{} chunks could not be had: the blob may be withheld", s.asked - s.verified);
			}
			Ok(())
		},
		Command::Status { root } => status(&chain, root).await,
		Command::Keep { root, worker, suri, lifetime, data_shards, parity_shards } => {
			let args = KeepArgs {
				worker,
				suri,
				lifetime: *lifetime,
				data_shards: *data_shards,
				parity_shards: *parity_shards,
			};
			keep(&chain, &cli.node, root, args).await
		},
		Command::Bench { blobs, size_mib, suris, lanes, lane_funds } => {
			bench(&chain, *blobs, *size_mib, suris, *lanes, *lane_funds).await
		},
	}
}
