//! `zg-storage`: upload, download and inspect files in 0G Storage.
//!
//! ```text
//! zg-storage upload ./model.safetensors --data-shards 2 --parity-shards 2 --lifetime 600
//! zg-storage download 0x1c6f…e2 ./model.safetensors
//! zg-storage status 0x1c6f…e2
//! ```
//!
//! `upload` streams the file to a worker (which encodes it and answers its root), submits
//! `Storage.submit` signed with `--suri` (the storage fee, `charged bytes × price × lifetime`,
//! into escrow, and the submission fee to the treasury), waits until the chain has drawn the
//! shards' providers, has the worker push every shard to its provider (a provider whose
//! worker missed its push rebuilds the shard from any `k` others), and waits until the chain
//! reports the file Finalized. `download` fetches the file
//! rebuilt from any `k` shards and checks it against the root on chain.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use futures::{StreamExt, TryStreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::StatusCode;
use std::{path::PathBuf, time::Duration};
use tokio::io::AsyncWriteExt;
use zg_storage_node::{encoder::CpuBackend, ingest::roots_of_file, root_hex};
use zg_storage_service::{PushReport, Uploaded};
use zg_worker_chain::{self as chain, Chain, ChainStatus};

#[derive(Parser)]
#[command(version, about = "Upload, download and inspect files in 0G Storage")]
struct Cli {
	/// WebSocket RPC of a node.
	#[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Base URL of the worker that encodes uploads and serves downloads.
	#[arg(long, global = true, default_value = "http://127.0.0.1:8700")]
	worker: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Uploads FILE: encode, submit on chain, push the shards, wait until Finalized.
	Upload(UploadArgs),
	/// Downloads the file with ROOT into OUT and checks it against the root.
	Download {
		root: String,
		out: PathBuf,
		/// Skip re-encoding the download to check its root.
		#[arg(long)]
		no_verify: bool,
	},
	/// Shows a file's state on chain.
	Status { root: String },
}

#[derive(clap::Args)]
struct UploadArgs {
	file: PathBuf,
	/// Data shards `k`: any k shards give the file back.
	#[arg(long, default_value_t = 2)]
	data_shards: u16,
	/// Parity shards `m`: the file survives the loss of any m providers.
	#[arg(long, default_value_t = 2)]
	parity_shards: u16,
	/// Lifetime in blocks.
	#[arg(long, default_value_t = 14_400)]
	lifetime: u32,
	/// The most to pay, in plancks (default: the fee the chain's price gives).
	#[arg(long)]
	max_fee: Option<u128>,
	/// Secret URI of the paying account.
	#[arg(long, default_value = "//Alice")]
	suri: String,
	/// Seconds to wait for every provider to confirm its shard.
	#[arg(long, default_value_t = 300)]
	timeout: u64,
}

fn bar(len: u64, message: &str) -> ProgressBar {
	let pb = ProgressBar::new(len);
	pb.set_style(
		ProgressStyle::with_template(
			"{msg:>12} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
		)
		.unwrap_or_else(|_| ProgressStyle::default_bar())
		.progress_chars("=> "),
	);
	pb.set_message(message.to_string());
	pb
}

async fn error_text(res: reqwest::Response) -> String {
	let status = res.status();
	let body = res.bytes().await.unwrap_or_default();
	let message = serde_json::from_slice::<serde_json::Value>(&body)
		.ok()
		.and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
		.unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
	format!("{status}: {message}")
}

async fn upload(cli: &Cli, args: &UploadArgs) -> Result<()> {
	let UploadArgs { file, data_shards: k, parity_shards: m, lifetime, max_fee, suri, timeout } =
		args;
	let (k, m, lifetime, max_fee, timeout) = (*k, *m, *lifetime, *max_fee, *timeout);
	let signer = chain::keypair(suri)?;
	let chain = Chain::connect(&cli.node).await?;
	let handle = tokio::fs::File::open(file)
		.await
		.with_context(|| format!("cannot open {}", file.display()))?;
	let len = handle.metadata().await?.len();
	if len == 0 {
		bail!("{} is empty", file.display());
	}

	// 1. Stream the file to the worker, which encodes it.
	let pb = bar(len, "upload");
	let counter = pb.clone();
	let stream = tokio_util::io::ReaderStream::with_capacity(handle, 1 << 20)
		.inspect_ok(move |chunk| counter.inc(chunk.len() as u64));
	let client = reqwest::Client::new();
	let url =
		format!("{}/v1/files?data_shards={k}&parity_shards={m}", cli.worker.trim_end_matches('/'));
	let res = client
		.post(&url)
		.header(reqwest::header::CONTENT_LENGTH, len)
		.body(reqwest::Body::wrap_stream(stream))
		.send()
		.await
		.with_context(|| format!("cannot reach the worker at {}", cli.worker))?;
	if res.status() != StatusCode::OK {
		bail!("the worker refused the upload: {}", error_text(res).await);
	}
	pb.finish();
	let uploaded: Uploaded = res.json().await?;
	let root = chain::parse_root(&uploaded.root)?;
	let layout = zg_primitives::storage::FileLayout::new(
		uploaded.size,
		uploaded.data_shards,
		uploaded.parity_shards,
	)
	.map_err(|e| anyhow!("bad layout: {e:?}"))?;
	let shard_roots =
		uploaded.shard_roots.iter().map(|r| chain::parse_root(r)).collect::<Result<Vec<_>>>()?;
	// The gateway's roots are what gets paid for: check them against the file's own.
	let (path, (k2, m2)) = (file.clone(), (layout.data_shards, layout.parity_shards));
	let local = tokio::task::spawn_blocking(move || -> Result<_> {
		let input = std::fs::File::open(&path)?;
		Ok(roots_of_file(&CpuBackend, &input, len, k2, m2, &std::env::temp_dir())?)
	})
	.await??;
	if local != (root, shard_roots.clone()) || layout.size != len {
		bail!("the worker answered roots that are not those of {}: not submitting", file.display());
	}
	println!(
		"root {}  ({} bytes, {k} data + {m} parity shards of {} bytes)",
		uploaded.root,
		uploaded.size,
		layout.shard_size()
	);

	// 2. Commit it on chain.
	if chain.file(&root).await?.is_some() {
		println!("already on chain");
	} else {
		// The fee the pallet charges: every padded shard, at least the minimum shard size.
		let (min_shard, submission_fee) = chain.storage_terms().await?;
		let fee = chain
			.price()
			.await?
			.saturating_mul(layout.charged_bytes(min_shard) as u128)
			.saturating_mul(lifetime as u128);
		let max_fee = max_fee.unwrap_or(fee);
		let spinner = ProgressBar::new_spinner();
		spinner.set_message(format!(
			"submitting (fee {fee} plancks + submission fee {submission_fee}) and waiting for finality"
		));
		spinner.enable_steady_tick(Duration::from_millis(120));
		chain.submit_file(&signer, &root, &layout, &shard_roots, lifetime, max_fee).await?;
		spinner.finish_with_message(format!(
			"submitted; fee {fee} plancks escrowed, {submission_fee} paid to the treasury"
		));
	}

	// 3. Push the shards to their providers, once the chain has drawn them. A shard that did
	//    not arrive (its provider's worker down or cut off mid-push) is not fatal by itself: a
	//    provider's worker rebuilds an assigned shard it lacks from any `k` others. At the
	//    confirmation deadline the chain drops the file and refunds its storage fee if fewer
	//    than `k` shards are confirmed; otherwise the file goes on, Degraded, its missing shards
	//    drawn again.
	let push = format!("{}/v1/files/{}/push", cli.worker.trim_end_matches('/'), uploaded.root);
	let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
	loop {
		let res = client.post(&push).send().await?;
		match res.status() {
			StatusCode::OK => {
				println!("shards pushed to their providers");
				break;
			},
			StatusCode::BAD_GATEWAY => {
				// A push report, or another failure (the chain unreachable) with its message.
				let text = res.text().await?;
				let report: PushReport = serde_json::from_str(&text)
					.map_err(|_| anyhow!("pushing the shards failed: {text}"))?;
				let arrived = report.shards.iter().filter(|s| s.ok).count();
				for shard in report.shards.iter().filter(|s| !s.ok) {
					println!(
						"shard {} did not reach its provider {}: {}",
						shard.shard,
						shard.provider,
						shard.error.as_deref().unwrap_or("no reason given")
					);
				}
				if arrived >= usize::from(k) {
					println!(
						"{arrived} of {} shards arrived, enough to rebuild the others: their \
						 providers' workers rebuild them from these",
						report.shards.len()
					);
				} else {
					println!(
						"only {arrived} of {} shards arrived, fewer than the {k} needed to rebuild \
						 the others: unless their providers' workers get them, the chain drops the \
						 file at its confirmation deadline and refunds its storage fee",
						report.shards.len()
					);
				}
				break;
			},
			StatusCode::CONFLICT if tokio::time::Instant::now() < deadline => {
				tokio::time::sleep(Duration::from_secs(2)).await;
			},
			_ => bail!("pushing the shards failed: {}", error_text(res).await),
		}
	}

	// 4. Wait until every provider confirmed.
	let n = layout.total_shards() as u64;
	let pb = ProgressBar::new(n);
	pb.set_style(
		ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} shards confirmed")?
			.progress_chars("=> "),
	);
	pb.set_message("confirm");
	loop {
		match chain.file(&root).await? {
			None => bail!(
				"the file was dropped: fewer than {k} of its shards were confirmed in time (its \
				 storage fee was refunded, the submission fee was not)"
			),
			Some(file) => {
				pb.set_position(file.confirmed() as u64);
				if file.status == ChainStatus::Finalized {
					pb.finish();
					println!("Finalized {}", uploaded.root);
					return Ok(());
				}
			},
		}
		if tokio::time::Instant::now() > deadline {
			bail!(
				"not finalized after {timeout} s ({} of {n} shards confirmed; `zg-storage status \
				 {}` follows it): at the confirmation deadline the chain keeps the file, \
				 Degraded, if at least {k} shards are confirmed, or drops it and refunds its \
				 storage fee",
				pb.position(),
				uploaded.root
			);
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}

async fn download(cli: &Cli, root: &str, out: &PathBuf, no_verify: bool) -> Result<()> {
	let root = chain::parse_root(root)?;
	let url = format!("{}/v1/files/{}", cli.worker.trim_end_matches('/'), root_hex(&root));
	let res = reqwest::get(&url)
		.await
		.with_context(|| format!("cannot reach the worker at {}", cli.worker))?;
	if res.status() != StatusCode::OK {
		bail!("download failed: {}", error_text(res).await);
	}
	let len = res.content_length().unwrap_or(0);
	let pb = bar(len, "download");
	// Written beside the output and renamed once whole (and checked).
	let partial = out.with_extension("partial");
	let mut out_file = tokio::fs::File::create(&partial)
		.await
		.with_context(|| format!("cannot create {}", partial.display()))?;
	let mut body = res.bytes_stream();
	let mut written = 0u64;
	while let Some(chunk) = body.next().await {
		let chunk = chunk.context("the download broke off")?;
		pb.inc(chunk.len() as u64);
		written += chunk.len() as u64;
		out_file.write_all(&chunk).await?;
	}
	out_file.flush().await?;
	out_file.sync_all().await?;
	drop(out_file);
	pb.finish();
	if len != 0 && written != len {
		let _ = tokio::fs::remove_file(&partial).await;
		bail!("the download ended after {written} of {len} bytes");
	}
	if !no_verify {
		let chain = Chain::connect(&cli.node).await?;
		let file = chain
			.file(&root)
			.await?
			.ok_or_else(|| anyhow!("{} is not on chain: cannot check it", root_hex(&root)))?;
		let layout = file.layout()?;
		let path = partial.clone();
		let check = tokio::task::spawn_blocking(move || -> Result<_> {
			let input = std::fs::File::open(&path)?;
			let (k, m) = (layout.data_shards, layout.parity_shards);
			Ok(roots_of_file(&CpuBackend, &input, written, k, m, &std::env::temp_dir())?.0)
		})
		.await?;
		match check {
			Ok(got) if got == root => println!("verified against the root on chain"),
			Ok(got) => {
				let _ = tokio::fs::remove_file(&partial).await;
				bail!("the download does not match {}: got {}", root_hex(&root), root_hex(&got));
			},
			Err(e) => {
				let _ = tokio::fs::remove_file(&partial).await;
				bail!("cannot check the download: {e:#}");
			},
		}
	}
	tokio::fs::rename(&partial, out)
		.await
		.with_context(|| format!("cannot write {}", out.display()))?;
	println!("wrote {written} bytes to {}", out.display());
	Ok(())
}

async fn status(cli: &Cli, root: &str) -> Result<()> {
	let root = chain::parse_root(root)?;
	let chain = Chain::connect(&cli.node).await?;
	let Some(file) = chain.file(&root).await? else {
		bail!("{} is not on chain", root_hex(&root));
	};
	println!("root        {}", root_hex(&root));
	println!("status      {:?}", file.status);
	println!("size        {} bytes", file.layout.size);
	println!(
		"coding      {} data + {} parity shards",
		file.layout.data_shards, file.layout.parity_shards
	);
	println!("expires at  block {}", file.expires_at);
	println!("confirmed   {}/{}", file.confirmed(), file.shards.len());
	for (i, s) in file.shards.iter().enumerate() {
		let provider = s.provider.map_or_else(|| "(being drawn)".to_string(), |p| chain::ss58(&p));
		let state = match s.state {
			chain::ChainShardState::Unassigned { .. } => "waiting for a provider".to_string(),
			chain::ChainShardState::Assigned { confirm_by, .. } => {
				format!("to be confirmed by block {confirm_by}")
			},
			chain::ChainShardState::Confirmed { .. } => "confirmed".to_string(),
		};
		println!("  shard {i:>2}  provider {provider}  {state}");
	}
	Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	match &cli.command {
		Command::Upload(args) => upload(&cli, args).await,
		Command::Download { root, out, no_verify } => download(&cli, root, out, *no_verify).await,
		Command::Status { root } => status(&cli, root).await,
	}
}
