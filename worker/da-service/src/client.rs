//! The client side of DA: disperse, retrieve and sample blobs (what `zg-da` runs).

use crate::{delivery_auth, delivery_path, root_hex, roots_path, row_path, DISPERSER_SIGNATURE};
use anyhow::{anyhow, bail, Context, Result};
use codec::{DecodeWithMemLimit, DecodeWithMemTracking, Encode};
use futures::{stream, stream::FuturesUnordered, StreamExt};
use rand::Rng;
use std::{
	sync::Arc,
	time::{Duration, Instant},
};
use subxt_signer::sr25519::{self, Keypair};
use zg_da_store::{check_row, rebuild, row_from_cells, Chunks, Delivery, Partial, Roots};
use zg_primitives::{
	da::{
		attestation_payload, check_roots, extend, quorum, verify_cell_proof, BlobLayout, CellProof,
		Line,
	},
	worker_api::da_cell_route,
	Hash,
};
use zg_worker_chain::{
	da::{ChainBlob, ChainCommittee, SignedAttestation},
	Account, Chain, Included,
};

/// How long one request to a signer's worker may take (a delivery of a quarter of a 32 MiB
/// blob's square, checked, included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a connection to a signer's worker may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a disperser waits for the members still delivering once the quorum has signed.
pub const STRAGGLERS: Duration = Duration::from_secs(2);

/// The largest answers read from a member: roots, a row, a chunk with its proof, a signature
/// (each at the largest square, with room for SCALE's length prefixes).
const MAX_ROOTS: usize = 64 << 10;
const MAX_ROW: usize = 512 << 10;
const MAX_CELL: usize = 8 << 10;
const MAX_SIGNED: usize = 1 << 10;

/// Rows fetched at once when retrieving a blob.
pub const ROW_FETCHES: usize = 8;

/// Rows rebuilt from single chunks at once, and chunks fetched at once for each.
pub const CELL_ROWS: usize = 4;
pub const CELL_FETCHES: usize = 16;

/// Where the time of a dispersal went.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
	/// Extending and committing the blob.
	pub encode: Duration,
	/// From sending `submit_blob` to the best block that included it.
	pub submit: Duration,
	/// Delivering every member its lines and collecting the signatures.
	pub deliver: Duration,
	/// From sending `attest` to the best block that included it (the blob is Available there).
	pub attest: Duration,
	/// From then to the attestations' finalized block.
	pub finality: Duration,
}

/// A blob dispersed and attested.
#[derive(Clone, Debug)]
pub struct Dispersal {
	/// Its commitment.
	pub root: Hash,
	/// Its layout.
	pub layout: BlobLayout,
	/// The epoch of its committee.
	pub epoch: u32,
	/// The seats of the committee.
	pub seats: u32,
	/// The seats of the members whose signatures were submitted.
	pub attested_seats: u32,
	/// Members that refused or could not be reached, and why.
	pub refused: Vec<(Account, String)>,
	/// Whether the chain reports it available (at the block that included the attestations,
	/// then, once [`Attested::finalized`], at the finalized head).
	pub available: bool,
	/// Where the time went.
	pub timings: Timings,
}

/// The members of `committee` with their registered endpoints (`None`: not registered any
/// more).
async fn endpoints(chain: &Chain, committee: &ChainCommittee) -> Result<Vec<Option<String>>> {
	let mut out = Vec::with_capacity(committee.members.len());
	for (member, _) in &committee.members {
		out.push(chain.da_endpoint(member).await?);
	}
	Ok(out)
}

/// How long one read from a member may take when retrieving or sampling (a row of the largest
/// square is 364 KiB): a member that stalls is given up quickly.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);

fn reads() -> Result<reqwest::Client> {
	client(READ_TIMEOUT)
}

/// Whether `e` says the member could not be reached or did not answer in time (rather than
/// answering something wrong).
fn unreachable(e: &anyhow::Error) -> bool {
	e.chain().any(|c| {
		c.downcast_ref::<reqwest::Error>().is_some_and(|r| r.is_timeout() || r.is_connect())
	})
}

fn http() -> Result<reqwest::Client> {
	client(REQUEST_TIMEOUT)
}

/// A client whose requests take at most `timeout` each.
fn client(timeout: Duration) -> Result<reqwest::Client> {
	Ok(reqwest::Client::builder().timeout(timeout).connect_timeout(CONNECT_TIMEOUT).build()?)
}

/// The body of `res`, at most `max` bytes (a member cannot make a client read more), decoded
/// as SCALE within twice that in memory.
async fn read_scale<T: DecodeWithMemTracking>(
	res: reqwest::Response,
	max: usize,
	url: &str,
) -> Result<T> {
	if res.content_length().is_some_and(|len| len as usize > max) {
		bail!("{url}: an answer larger than {max} bytes");
	}
	let mut body = Vec::new();
	let mut chunks = res.bytes_stream();
	while let Some(chunk) = chunks.next().await {
		let chunk = chunk.with_context(|| format!("{url}: the answer broke off"))?;
		if body.len() + chunk.len() > max {
			bail!("{url}: an answer larger than {max} bytes");
		}
		body.extend_from_slice(&chunk);
	}
	let mut input = &body[..];
	T::decode_with_mem_limit(&mut input, 2 * max)
		.ok()
		.filter(|_| input.is_empty())
		.ok_or_else(|| anyhow!("{url}: not the expected SCALE answer"))
}

/// The text of a refusal: the worker's `{"error": …}` or the body.
async fn refusal(res: reqwest::Response) -> String {
	let status = res.status();
	let body = res.bytes().await.unwrap_or_default();
	let text = String::from_utf8_lossy(&body);
	let message = text
		.split_once("\"error\":\"")
		.and_then(|(_, rest)| rest.split_once('"'))
		.map_or(text.to_string(), |(m, _)| m.to_string());
	format!("{status}: {message}")
}

/// GETs `url` and decodes its SCALE body of at most `max` bytes.
async fn get_scale<T: DecodeWithMemTracking>(
	client: &reqwest::Client,
	url: &str,
	max: usize,
) -> Result<T> {
	let res = client.get(url).send().await.with_context(|| format!("cannot reach {url}"))?;
	if !res.status().is_success() {
		bail!("{url}: {}", refusal(res).await);
	}
	read_scale(res, max, url).await
}

/// How a blob is dispersed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
	/// The most to pay as the blob's fee, in plancks (`None`: what the chain asks).
	pub max_fee: Option<u128>,
	/// Test only: deliver lines that do not match the commitment (a dishonest disperser;
	/// the signers refuse them and the blob fails).
	pub fault_bad_lines: bool,
}

/// Delivers member `member` its lines of `square` at `endpoint`, signed by the disperser
/// `key`, and checks its signature. A busy member (503), or one whose node has not imported
/// the block with the blob yet (404: the disperser delivers as soon as its own node includes
/// the blob), is asked again until `deadline`.
#[allow(clippy::too_many_arguments)]
async fn deliver(
	client: &reqwest::Client,
	key: &Keypair,
	square: Arc<zg_primitives::da::Extended>,
	committee: &ChainCommittee,
	member: usize,
	endpoint: &str,
	genesis: &[u8; 32],
	payload: &[u8],
	epoch: u32,
	fault_bad_lines: bool,
	deadline: Instant,
) -> Result<SignedAttestation> {
	let (account, _) = committee.members[member];
	let root = square.data_root();
	let auth = format!("0x{}", hex::encode(key.sign(&delivery_auth(genesis, &root, &account)).0));
	let lines = committee.lines_of(member, &root, &square.layout);
	// `Bytes`: a retry sends the same buffer again rather than a copy.
	let body = bytes::Bytes::from(
		tokio::task::spawn_blocking(move || {
			let mut delivery = Delivery::of_square(&square, &lines);
			if fault_bad_lines {
				for line in &mut delivery.lines {
					line.row[0][0] ^= 1;
				}
			}
			delivery.encode()
		})
		.await?,
	);
	let url = format!("{endpoint}{}", delivery_path(&root));
	let mut pause = Duration::from_millis(250);
	let res = loop {
		let sent = client
			.put(&url)
			.header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
			.header(DISPERSER_SIGNATURE, &auth)
			.body(body.clone())
			.send()
			.await;
		// A busy member answers 503 without reading the body and closes the connection: the
		// client may see that as a broken request rather than the answer. Only a member that
		// cannot be connected to at all is given up at once.
		let again = match &sent {
			Ok(res) => [reqwest::StatusCode::SERVICE_UNAVAILABLE, reqwest::StatusCode::NOT_FOUND]
				.contains(&res.status()),
			Err(e) => !e.is_connect(),
		};
		if again && Instant::now() + pause < deadline {
			tokio::time::sleep(pause).await;
			pause = (pause * 2).min(Duration::from_secs(2));
			continue;
		}
		break sent.with_context(|| format!("cannot reach {url}"))?;
	};
	if !res.status().is_success() {
		bail!("{}", refusal(res).await);
	}
	let signed: SignedAttestation = read_scale(res, MAX_SIGNED, &url).await?;
	if signed.signer != account || signed.epoch != epoch {
		bail!("the attestation names another signer or epoch");
	}
	if !sr25519::verify(
		&sr25519::Signature(signed.signature),
		payload,
		&sr25519::PublicKey(account),
	) {
		bail!("the signature does not verify");
	}
	Ok(signed)
}

/// A blob whose attestations are in the node's best block: Available there, not yet final.
pub struct Attested {
	/// What the dispersal did so far.
	pub dispersal: Dispersal,
	tx: Included,
	chain: Chain,
}

impl Attested {
	/// Waits until the attestations are in a finalized block, and reads the blob's state at
	/// the finalized head.
	pub async fn finalized(self) -> Result<Dispersal> {
		let Self { mut dispersal, tx, chain } = self;
		let started = Instant::now();
		tx.finalized().await.map_err(|e| anyhow!("attest: {e}"))?;
		dispersal.timings.finality = started.elapsed();
		dispersal.available =
			chain.da_blob(&dispersal.root).await?.is_some_and(|b| b.is_available());
		Ok(dispersal)
	}
}

/// Disperses `blob` (see [`disperse_included`]) and waits until its attestations are final.
pub async fn disperse(
	chain: &Chain,
	key: &Keypair,
	blob: Vec<u8>,
	options: Options,
	say: &(dyn Fn(String) + Sync),
) -> Result<Dispersal> {
	disperse_included(chain, key, blob, options, say).await?.finalized().await
}

/// Disperses `blob`: extends and commits it, submits it signed by `key` (paying at most
/// `options.max_fee`, by default the fee the chain asks), delivers every member of the
/// committee its lines as soon as the submission is in the node's best block, checks each
/// signature, and submits them in one `attest`. Returns once the attestations are in the
/// best block; [`Attested::finalized`] waits for finality (a disperser with more blobs goes on
/// meanwhile). `say` reports progress.
pub async fn disperse_included(
	chain: &Chain,
	key: &Keypair,
	blob: Vec<u8>,
	options: Options,
	say: &(dyn Fn(String) + Sync),
) -> Result<Attested> {
	let encoded = encode(blob).await?;
	say(encoded.describe());
	disperse_encoded(chain, key, encoded, options, say).await
}

/// A blob extended to its square and committed, ready to disperse.
pub struct Encoded {
	/// The square.
	pub square: Arc<zg_primitives::da::Extended>,
	/// How long extending and committing took.
	pub took: Duration,
}

impl Encoded {
	/// The blob's commitment.
	pub fn root(&self) -> Hash {
		self.square.data_root()
	}

	/// A line that says what the blob became.
	pub fn describe(&self) -> String {
		let layout = self.square.layout;
		format!(
			"blob {}: {} bytes, {}×{} chunks extended to {}×{} ({:.2} s)",
			root_hex(&self.root()),
			layout.size,
			layout.k(),
			layout.k(),
			layout.width(),
			layout.width(),
			self.took.as_secs_f64()
		)
	}
}

/// Extends and commits `blob` (1 byte to 32 MiB), off the async threads.
pub async fn encode(blob: Vec<u8>) -> Result<Encoded> {
	let started = Instant::now();
	let square = tokio::task::spawn_blocking(move || extend(&blob))
		.await?
		.map_err(|e| anyhow!("the blob cannot be laid out: {e:?} (1 byte to 32 MiB)"))?;
	Ok(Encoded { square: Arc::new(square), took: started.elapsed() })
}

/// Disperses an encoded blob as [`disperse_included`] does.
pub async fn disperse_encoded(
	chain: &Chain,
	key: &Keypair,
	encoded: Encoded,
	options: Options,
	say: &(dyn Fn(String) + Sync),
) -> Result<Attested> {
	let mut timings = Timings { encode: encoded.took, ..Timings::default() };
	let square = encoded.square;
	let (root, layout) = (square.data_root(), square.layout);

	let fees = chain.da_fees(&layout).await?;
	let max_fee = options.max_fee.unwrap_or(fees.fee);
	let started = Instant::now();
	let submitted = chain
		.submit_blob(key, &root, &layout, max_fee)
		.await
		.map_err(|e| anyhow!("submit_blob: {e}"))?;
	timings.submit = started.elapsed();
	// The blob and its committee as the including block has them (the committee may be drawn
	// in that very block).
	let view = chain.da_view_included(&submitted, &root).await?;
	let on_chain: ChainBlob =
		view.blob.ok_or_else(|| anyhow!("the blob is not in the block that included it"))?;
	say(format!(
		"submitted in block {} for epoch {} (fee {} + submission fee {} + deposit {} plancks)",
		on_chain.submitted_at, on_chain.epoch, fees.fee, fees.submission_fee, fees.deposit
	));
	let committee =
		view.committee.ok_or_else(|| anyhow!("epoch {} has no committee", on_chain.epoch))?;
	let payload = attestation_payload(
		&chain.genesis_hash(),
		&root,
		on_chain.epoch,
		&on_chain.disperser,
		&on_chain.submitted_at,
	);

	// Every member at once; the attestation goes out once the quorum has signed and the others
	// had STRAGGLERS more, or when the attestation period nears its end (with room for the
	// attest transaction to be included within it).
	let started = Instant::now();
	let client = http()?;
	let urls = endpoints(chain, &committee).await?;
	let genesis = chain.genesis_hash();
	let (block_time, _) = chain.compute_terms().await?;
	let blocks_left = u64::from(on_chain.attest_by).saturating_sub(view.number + 4) as u32;
	let deadline = started + block_time * blocks_left;
	let seats = committee.seats.len() as u32;
	let mut pending: FuturesUnordered<_> = urls
		.iter()
		.enumerate()
		.map(|(member, url)| {
			let (client, square, committee) = (&client, square.clone(), &committee);
			let (genesis, payload, fault) = (&genesis, &payload, options.fault_bad_lines);
			async move {
				let result = match url.as_deref() {
					None => Err(anyhow!("no endpoint registered")),
					Some(url) => {
						let epoch = on_chain.epoch;
						deliver(
							client, key, square, committee, member, url, genesis, payload, epoch,
							fault, deadline,
						)
						.await
					},
				};
				(member, result)
			}
		})
		.collect();
	let mut signed = Vec::new();
	let (mut attested_seats, mut refused) = (0u32, Vec::new());
	let mut cutoff = deadline;
	while !pending.is_empty() {
		let next = tokio::time::timeout_at(cutoff.into(), pending.next()).await;
		let Ok(Some((member, result))) = next else { break };
		let (account, member_seats) = committee.members[member];
		match result {
			Ok(s) => {
				attested_seats += member_seats;
				signed.push(s);
				if attested_seats >= quorum(seats) {
					cutoff = cutoff.min(Instant::now() + STRAGGLERS);
				}
			},
			Err(e) => refused.push((account, format!("{e:#}"))),
		}
	}
	let late = pending.len();
	drop(pending);
	// The extended square is not needed past the deliveries: a disperser with many blobs in
	// flight holds each only while it delivers.
	drop(square);
	if late > 0 {
		say(format!("{late} members had not answered in time: attesting without them"));
	}
	timings.deliver = started.elapsed();
	say(format!(
		"{} of {} members signed ({attested_seats} of {seats} seats, quorum {}) in {:.2} s",
		signed.len(),
		committee.members.len(),
		quorum(seats),
		timings.deliver.as_secs_f64()
	));
	for (account, why) in &refused {
		say(format!("  {} refused: {why}", zg_worker_chain::ss58(account)));
	}
	if attested_seats < quorum(seats) {
		let why: Vec<String> =
			refused.iter().map(|(a, why)| format!("{}: {why}", zg_worker_chain::ss58(a))).collect();
		bail!(
			"only {attested_seats} of {seats} seats signed: no quorum; the blob fails at block {} and its fee and deposit are refunded (refused: {}{})",
			on_chain.attest_by,
			if why.is_empty() { "none".to_string() } else { why.join("; ") },
			if late > 0 { format!("; {late} members did not answer in time") } else { String::new() }
		);
	}
	let started = Instant::now();
	let tx = chain.attest_blob(key, &root, &signed).await.map_err(|e| anyhow!("attest: {e}"))?;
	timings.attest = started.elapsed();
	let available =
		chain.da_view_included(&tx, &root).await?.blob.is_some_and(|b| b.is_available());
	let dispersal = Dispersal {
		root,
		layout,
		epoch: on_chain.epoch,
		seats,
		attested_seats,
		refused,
		available,
		timings,
	};
	Ok(Attested { dispersal, tx, chain: chain.clone() })
}

/// The blob `root` from the chain with its committee and the members' endpoints.
async fn blob_and_committee(
	chain: &Chain,
	root: &Hash,
) -> Result<(ChainBlob, BlobLayout, ChainCommittee, Vec<Option<String>>)> {
	let blob = chain
		.da_blob(root)
		.await?
		.ok_or_else(|| anyhow!("blob {} is not on chain", root_hex(root)))?;
	let layout = blob.layout()?;
	let committee = chain
		.da_committee(blob.epoch)
		.await?
		.ok_or_else(|| anyhow!("the blob's epoch {} has no committee on chain", blob.epoch))?;
	let urls = endpoints(chain, &committee).await?;
	Ok((blob, layout, committee, urls))
}

/// Where a blob is rebuilt from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
	/// Whole rows, each from any member holding it; the rows no member serves whole are
	/// rebuilt from single chunks.
	Rows,
	/// Single chunks only (slower: what a reader falls back to when members answer samples
	/// but not whole rows).
	Cells,
}

/// What a reader needs of a blob's committee to fetch from it.
struct Members<'a> {
	client: reqwest::Client,
	root: &'a Hash,
	layout: BlobLayout,
	committee: ChainCommittee,
	urls: Vec<Option<String>>,
	/// Members that could not be reached or did not answer in time: not asked again.
	gone: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Members<'_> {
	/// The endpoints of the members that hold line index `index` (and have not gone).
	fn holding(&self, index: u32) -> Vec<String> {
		let gone = self.gone.lock().unwrap_or_else(|e| e.into_inner());
		self.committee
			.holders_of(index, self.root, &self.layout)
			.into_iter()
			.filter_map(|m| self.urls.get(m).cloned().flatten())
			.filter(|url| !gone.contains(url))
			.collect()
	}

	/// GETs `path` from the member at `url`; one that cannot be reached is not asked again.
	async fn get<T: DecodeWithMemTracking>(&self, url: &str, path: &str, max: usize) -> Result<T> {
		let answer = get_scale::<T>(&self.client, &format!("{url}{path}"), max).await;
		if let Err(e) = &answer {
			if unreachable(e) {
				self.gone.lock().unwrap_or_else(|e| e.into_inner()).insert(url.to_string());
			}
		}
		answer
	}

	/// Chunk `(row, column)` proven against the commitment, from any member holding its row
	/// or its column (they prove it along the line they hold).
	async fn cell(&self, row: u32, column: u32) -> Option<Vec<u8>> {
		for (line, pos) in [(Line::Row(row), column), (Line::Column(column), row)] {
			for url in self.holding(line.index()) {
				let path = da_cell_route(self.root, line, pos);
				match self.get::<CellProof>(&url, &path, MAX_CELL).await {
					Ok(p)
						if p.line == line
							&& p.pos == pos && verify_cell_proof(&self.layout, self.root, &p)
							.is_ok() =>
					{
						return Some(p.chunk)
					},
					_ => continue,
				}
			}
		}
		None
	}

	/// Chunks of row `index` fetched one by one (each proven against the commitment), until
	/// `k` are in or every position was tried.
	async fn row_cells(&self, index: u32) -> Vec<(u32, Vec<u8>)> {
		let k = self.layout.k() as usize;
		let positions = 0..self.layout.width();
		let mut fetched =
			stream::iter(positions.map(|j| async move { (j, self.cell(index, j).await) }))
				.buffer_unordered(CELL_FETCHES);
		let mut cells = Vec::with_capacity(k);
		while let Some((j, cell)) = fetched.next().await {
			if let Some(chunk) = cell {
				cells.push((j, chunk));
				if cells.len() == k {
					break;
				}
			}
		}
		cells
	}
}

/// The blob `root` rebuilt from what its members serve: `k` rows, each whole from a member
/// holding it (unless `source` says chunks only) or from `k` of its chunks, each proven against
/// the commitment along the row or its column; with fewer than `k` rows so, every chunk had
/// decoded along rows and columns in turn ([`Partial::peel`]). The blob is checked against
/// its commitment once rebuilt. `say` reports members that fail.
pub async fn retrieve(
	chain: &Chain,
	root: &Hash,
	source: Source,
	say: &(dyn Fn(String) + Sync),
) -> Result<Vec<u8>> {
	let (_, layout, committee, urls) = blob_and_committee(chain, root).await?;
	let members =
		Members { client: reads()?, root, layout, committee, urls, gone: Default::default() };
	// The roots, from the first member that has them right.
	let mut roots: Option<Roots> = None;
	for url in members.urls.iter().flatten() {
		let url = format!("{url}{}", roots_path(root));
		match get_scale::<Roots>(&members.client, &url, MAX_ROOTS).await {
			Ok((l, rows, columns))
				if l == layout && check_roots(&l, root, &rows, &columns).is_ok() =>
			{
				roots = Some((l, rows, columns));
				break;
			},
			Ok(_) => say(format!("{url}: roots that do not make the commitment")),
			Err(e) => say(format!("{e:#}")),
		}
	}
	let (_, row_roots, _) = roots.ok_or_else(|| anyhow!("no member serves the blob's roots"))?;
	let k = layout.k() as usize;
	let mut rows: Vec<(u32, Chunks)> = Vec::with_capacity(k);
	// Every row, each from any member that holds it, as they come, until k are in.
	if source == Source::Rows {
		let fetches = (0..layout.width()).map(|i| {
			let (members, row_roots) = (&members, &row_roots);
			async move {
				for url in members.holding(i) {
					match members.get::<Chunks>(&url, &row_path(root, i), MAX_ROW).await {
						Ok(chunks) => match check_row(&layout, row_roots, i, &chunks) {
							Ok(()) => return Ok((i, chunks)),
							Err(e) => say(format!("{url}: {e}")),
						},
						Err(e) => say(format!("{e:#}")),
					}
				}
				Err(i)
			}
		});
		let mut fetched = stream::iter(fetches).buffer_unordered(ROW_FETCHES);
		while let Some(result) = fetched.next().await {
			if let Ok(row) = result {
				rows.push(row);
				if rows.len() == k {
					break;
				}
			}
		}
		if rows.len() < k {
			say(format!(
				"{} whole rows of the {k} needed: the others from single chunks proven against the commitment",
				rows.len()
			));
		}
	}
	// The rows still missing, each from k of its chunks along the row or its columns; the
	// chunks of rows that do not reach k are kept for peeling.
	let mut partial_rows = Vec::new();
	if rows.len() < k {
		let have: Vec<u32> = rows.iter().map(|(i, _)| *i).collect();
		let missing = (0..layout.width()).filter(|i| !have.contains(i));
		let members = &members;
		let mut fetched =
			stream::iter(missing.map(|i| async move { (i, members.row_cells(i).await) }))
				.buffer_unordered(CELL_ROWS);
		while let Some((i, cells)) = fetched.next().await {
			if cells.len() < k {
				partial_rows.push((i, cells));
				continue;
			}
			match row_from_cells(&layout, &row_roots, i, &cells) {
				Ok(row) => {
					rows.push((i, row));
					if rows.len() == k {
						break;
					}
				},
				Err(e) => say(format!("row {i}: {e}")),
			}
		}
	}
	// Rows and columns that disagree (each a codeword) would give other bytes from other rows:
	// the blob is checked whole against its commitment.
	let root = *root;
	tokio::task::spawn_blocking(move || {
		let blob = if rows.len() >= k {
			rebuild(&layout, &rows).map_err(|e| anyhow!("the rows do not decode: {e:?}"))?
		} else {
			// No k rows: every chunk had, decoded along rows and columns in turn.
			let mut square = Partial::new(layout);
			for (i, chunks) in rows {
				for (j, chunk) in chunks.into_iter().enumerate() {
					square.set(i, j as u32, chunk);
				}
			}
			for (i, cells) in partial_rows {
				for (j, chunk) in cells {
					square.set(i, j, chunk);
				}
			}
			square.peel();
			square.blob().ok_or_else(|| {
				anyhow!(
					"the chunks the members served ({} of {}) do not rebuild the blob",
					square.known(),
					layout.width() * layout.width()
				)
			})?
		};
		let again = extend(&blob).map_err(|e| anyhow!("the rebuilt blob: {e:?}"))?;
		if again.data_root() != root {
			bail!(
				"the rows rebuild a blob whose commitment is not {}: the blob is badly encoded (its rows and columns disagree; Da.report_bad_encoding proves it)",
				root_hex(&root)
			);
		}
		Ok(blob)
	})
	.await?
}

/// What sampling found.
#[derive(Clone, Debug)]
pub struct Sampling {
	/// Cells asked for.
	pub asked: u32,
	/// Cells that came with a proof that verified against the commitment.
	pub verified: u32,
	/// The probability that a blob some of whose chunks are withheld, so that it cannot be
	/// rebuilt, passes `verified` samples: `(1 − ((k+1)/2k)²)^verified` (see the README).
	pub undetected: f64,
}

/// Samples `count` random chunks of the blob `root` from the members that hold them, each
/// proven against the commitment. `say` reports each failure.
pub async fn sample(
	chain: &Chain,
	root: &Hash,
	count: u32,
	say: &(dyn Fn(String) + Sync),
) -> Result<Sampling> {
	let (_, layout, committee, urls) = blob_and_committee(chain, root).await?;
	let client = reads()?;
	let width = layout.width();
	let cells: Vec<(u32, u32)> = {
		let mut rng = rand::thread_rng();
		(0..count).map(|_| (rng.gen_range(0..width), rng.gen_range(0..width))).collect()
	};
	let mut verified = 0;
	for (row, pos) in cells {
		let line = Line::Row(row);
		let holders = committee.holders_of(row, root, &layout);
		let mut ok = false;
		for url in holders.iter().filter_map(|m| urls.get(*m).cloned().flatten()) {
			let url = format!("{url}{}", da_cell_route(root, line, pos));
			match get_scale::<CellProof>(&client, &url, MAX_CELL).await {
				Ok(p)
					if p.line == line
						&& p.pos == pos && verify_cell_proof(&layout, root, &p).is_ok() =>
				{
					ok = true;
					break;
				},
				Ok(_) => say(format!("{url}: a proof that does not verify")),
				Err(e) => say(format!("{e:#}")),
			}
		}
		if ok {
			verified += 1;
		} else {
			say(format!("cell ({row}, {pos}): no member proved it"));
		}
	}
	Ok(Sampling { asked: count, verified, undetected: undetected(&layout, verified) })
}

/// The probability that an unrecoverable blob passes `samples` uniform samples: such a blob
/// withholds at least `(k+1)²` of the `(2k)²` chunks (fewer missing, and rows and columns
/// rebuild each other), so each sample finds a missing one with probability at least
/// `((k+1)/2k)²`.
pub fn undetected(layout: &BlobLayout, samples: u32) -> f64 {
	let (k, width) = (layout.k() as f64, layout.width() as f64);
	let hit = ((k + 1.0) / width).powi(2);
	(1.0 - hit).powi(samples as i32)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The bound of the README: 30 samples of a 16 MiB blob (k = 128) leave 1.5 × 10⁻⁴, and
	/// more samples always less.
	#[test]
	fn sampling_bound_is_the_documented_one() {
		let layout = BlobLayout::new(16 << 20).unwrap();
		assert_eq!(layout.k(), 128);
		let p = undetected(&layout, 30);
		assert!((p - 1.526e-4).abs() < 1e-6, "{p}");
		assert!(undetected(&layout, 60) < 2.4e-8);
		assert_eq!(undetected(&layout, 0), 1.0);
		// The smallest square: (k+1)/2k = 1, one sample suffices.
		assert_eq!(undetected(&BlobLayout::new(1).unwrap(), 1), 0.0);
	}
}
