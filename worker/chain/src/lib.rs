//! The worker's and the CLI's view of the chain: subxt over the node's JSON-RPC, never linking
//! the runtime. Calls, storage entries and constants come from a client generated at compile
//! time from the runtime's metadata ([`runtime`]); subxt checks each against the connected
//! chain's metadata before use, so a worker built for another runtime gets a clear error
//! instead of a wrong decoding. Values decode into this module's types, which name the fields
//! the worker uses.

pub mod da;
pub mod runtime;

use anyhow::{anyhow, Context, Result};
use runtime::zg;
use scale_decode::DecodeAsType;
use std::time::Duration;
use subxt::{
	client::{OnlineClientAtBlock, OnlineClientAtBlockImpl},
	config::{PolkadotExtrinsicParamsBuilder, RpcConfigFor},
	rpcs::{
		client::reconnecting_rpc_client::{ExponentialBackoff, RpcClient as ReconnectingRpcClient},
		LegacyRpcMethods, RpcClient,
	},
	tx::{TransactionInBlock, TransactionProgress, TransactionStatus},
	utils::{AccountId32, H256},
	OnlineClient, PolkadotConfig,
};
pub use subxt_signer::sr25519::Keypair;
use zg_primitives::{storage::FileLayout, Hash};

/// An account id: 32 bytes.
pub type Account = [u8; 32];

/// A file's layout as the chain stores it.
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainLayout {
	pub size: u64,
	pub data_shards: u16,
	pub parity_shards: u16,
}

/// Where a file is (`Storage.Files` status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainStatus {
	/// Its providers are not drawn yet.
	Assigning,
	/// Waiting for every provider's confirmation.
	Pending,
	/// Every shard confirmed.
	Finalized,
	/// Finalized, but a shard awaits a new provider's confirmation.
	Degraded,
}

/// Where a shard is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainShardState {
	/// Without a provider since block `since`.
	Unassigned { since: u32 },
	/// Assigned in block `at`, to be confirmed by `confirm_by`.
	Assigned { at: u32, confirm_by: u32 },
	/// Confirmed.
	Confirmed { index: u32 },
}

/// One shard of a file on chain.
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainShard {
	pub root: [u8; 32],
	pub provider: Option<Account>,
	pub state: ChainShardState,
	pub escrow: u128,
	pub bounty: u128,
}

impl ChainShard {
	/// Whether the shard is confirmed.
	pub fn is_confirmed(&self) -> bool {
		matches!(self.state, ChainShardState::Confirmed { .. })
	}

	/// Whether `who` is assigned the shard and has not confirmed it yet.
	pub fn awaits(&self, who: &Account) -> bool {
		self.provider.as_ref() == Some(who)
			&& matches!(self.state, ChainShardState::Assigned { .. })
	}
}

/// A file on chain (the fields the worker and the CLI use).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainFile {
	pub owner: Account,
	pub layout: ChainLayout,
	pub shards: Vec<ChainShard>,
	pub status: ChainStatus,
	pub expires_at: u32,
}

impl ChainFile {
	/// The layout as the primitives define it.
	pub fn layout(&self) -> Result<FileLayout> {
		FileLayout::new(self.layout.size, self.layout.data_shards, self.layout.parity_shards)
			.map_err(|e| anyhow!("the chain holds a bad layout: {e:?}"))
	}

	/// The shard roots in shard order.
	pub fn shard_roots(&self) -> Vec<Hash> {
		self.shards.iter().map(|s| Hash::from(s.root)).collect()
	}

	/// How many shards are confirmed.
	pub fn confirmed(&self) -> usize {
		self.shards.iter().filter(|s| s.is_confirmed()).count()
	}

	/// Whether every shard has a provider (the file is past `Assigning`, and no shard is
	/// waiting for a new provider).
	pub fn assigned(&self) -> bool {
		self.status != ChainStatus::Assigning && self.shards.iter().all(|s| s.provider.is_some())
	}
}

/// What the storage pallet accepts of a file, and the time it gives a new file's providers
/// ([`Chain::storage_limits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageLimits {
	/// The fewest data shards (`k`).
	pub min_data_shards: u32,
	/// The most data shards.
	pub max_data_shards: u32,
	/// The fewest parity shards (`m`).
	pub min_parity_shards: u32,
	/// The most parity shards.
	pub max_parity_shards: u32,
	/// The largest file, in bytes.
	pub max_file_size: u64,
	/// Blocks from a new file's assignment within which its shards must be confirmed
	/// (`ConfirmationPeriod`).
	pub confirmation_period: u32,
}

impl StorageLimits {
	/// Why a file of `size` bytes with `k` data and `m` parity shards would be refused, if it
	/// would.
	pub fn check(&self, size: u64, k: u32, m: u32) -> Result<(), String> {
		if !(self.min_data_shards..=self.max_data_shards).contains(&k) {
			return Err(format!(
				"data_shards must be {} to {}, not {k}",
				self.min_data_shards, self.max_data_shards
			));
		}
		if !(self.min_parity_shards..=self.max_parity_shards).contains(&m) {
			return Err(format!(
				"parity_shards must be {} to {}, not {m}",
				self.min_parity_shards, self.max_parity_shards
			));
		}
		if size == 0 {
			return Err("the file is empty".into());
		}
		if size > self.max_file_size {
			return Err(format!(
				"the file is larger than the chain's {} bytes",
				self.max_file_size
			));
		}
		Ok(())
	}
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChainProvider {
	endpoint: Vec<u8>,
}

/// What a compute service sells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainServiceKind {
	/// Text generation and embeddings, per token.
	Inference,
	/// Fine-tuning runs, per job.
	FineTuning,
	/// Agents, per token.
	Agent,
}

/// A compute service on chain (the fields the worker uses).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainService {
	/// The provider that runs it.
	pub provider: Account,
	/// What it sells.
	pub kind: ChainServiceKind,
	/// The model identifier (UTF-8).
	pub model: Vec<u8>,
	/// The content root of the model's weights.
	pub model_root: [u8; 32],
	/// Plancks per input token.
	pub input_price: u128,
	/// Plancks per output token.
	pub output_price: u128,
	/// Whether its results can be challenged.
	pub verifiable: bool,
}

/// A spending capability as the chain's `settle_usage` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCapability {
	pub user: Account,
	pub provider: Account,
	pub cap: u128,
	pub expires_at: u32,
	pub genesis: [u8; 32],
	pub nonce: u64,
}

/// An account signature (`MultiSignature`) as the chain takes it (and as API keys carry it:
/// the SCALE encoding is `MultiSignature`'s).
#[derive(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode)]
pub enum ChainSignature {
	/// An ed25519 signature.
	Ed25519([u8; 64]),
	/// An sr25519 signature.
	Sr25519([u8; 64]),
	/// An ECDSA signature.
	Ecdsa([u8; 65]),
}

impl ChainCapability {
	/// The capability as the generated client's call takes it.
	fn to_runtime(
		&self,
	) -> zg::runtime_types::zg_primitives::compute::SpendingCapability<AccountId32, u32> {
		zg::runtime_types::zg_primitives::compute::SpendingCapability {
			user: AccountId32(self.user),
			provider: AccountId32(self.provider),
			cap: self.cap,
			expires_at: self.expires_at,
			genesis: H256(self.genesis),
			nonce: self.nonce,
		}
	}
}

impl ChainSignature {
	/// The signature as the generated client's call takes it.
	fn to_runtime(&self) -> zg::runtime_types::sp_runtime::MultiSignature {
		use zg::runtime_types::sp_runtime::MultiSignature;
		match self {
			Self::Ed25519(s) => MultiSignature::Ed25519(*s),
			Self::Sr25519(s) => MultiSignature::Sr25519(*s),
			Self::Ecdsa(s) => MultiSignature::Ecdsa(*s),
		}
	}
}

/// What was settled under a capability (`Compute.Capabilities`).
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainCapabilityUse {
	pub cap: u128,
	pub settled: u128,
	pub expires_at: u32,
}

/// A connection to a node.
#[derive(Clone)]
pub struct Chain {
	pub(crate) api: OnlineClient<PolkadotConfig>,
	/// The node's plain RPC methods, on the same connection (for its best block, which
	/// subxt's block streams name only once it changes).
	rpc: LegacyRpcMethods<RpcConfigFor<PolkadotConfig>>,
	/// Per account, held from reading its next nonce until its transaction is in the pool:
	/// two tasks signing for one key at once would otherwise take the same nonce.
	signing: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Account, NonceLock>>>,
}

/// The longest wait between two tries to reconnect to a node that went away.
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(5);

impl Chain {
	/// Connects to the node at `url` (`ws://` or `wss://`), for a command that runs and ends
	/// (the CLIs): if the node goes away, every later call fails at once.
	pub async fn connect(url: &str) -> Result<Self> {
		let client = RpcClient::from_insecure_url(url)
			.await
			.with_context(|| format!("cannot connect to the node at {url}"))?;
		Self::over(client, url).await
	}

	/// Connects to the node at `url` for a service that outlives the node's restarts (the
	/// worker): the connection comes back by itself, retried with a backoff of up to
	/// [`RECONNECT_MAX_DELAY`], and subxt sends a call again, or subscribes again, once it is
	/// back. While the node is down, calls wait (a worker's loops and requests resume when it
	/// returns). A first, plain connection makes a wrong or unreachable URL fail at once with a
	/// clear error, rather than being retried for ever.
	pub async fn connect_reconnecting(url: &str) -> Result<Self> {
		drop(
			RpcClient::from_insecure_url(url)
				.await
				.with_context(|| format!("cannot connect to the node at {url}"))?,
		);
		let reconnecting = ReconnectingRpcClient::builder()
			.retry_policy(ExponentialBackoff::from_millis(100).max_delay(RECONNECT_MAX_DELAY))
			.build(url)
			.await
			.with_context(|| format!("cannot connect to the node at {url}"))?;
		Self::over(RpcClient::new(reconnecting), url).await
	}

	async fn over(client: RpcClient, url: &str) -> Result<Self> {
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(client.clone())
			.await
			.with_context(|| format!("cannot connect to the node at {url}"))?;
		Ok(Self { api, rpc: LegacyRpcMethods::new(client), signing: Default::default() })
	}

	/// The chain at the node's latest finalized block. A node under load can answer that it
	/// cannot find the header of the block it just named finalized (it is pinned and unpinned
	/// between the two requests): the read is tried again, up to [`READ_TRIES`] times.
	pub(crate) async fn at_finalized(&self) -> Result<OnlineClientAtBlock<PolkadotConfig>> {
		retried("the finalized block", || async { Ok(self.api.at_current_block().await?) }).await
	}

	/// The chain at the node's best block (its head, not yet final: what a transaction just
	/// included sees).
	pub(crate) async fn at_best(&self) -> Result<OnlineClientAtBlock<PolkadotConfig>> {
		retried("the best block", || async {
			let hash = self.rpc.chain_get_block_hash(None).await?;
			let hash = hash.ok_or_else(|| anyhow!("the node names no best block"))?;
			Ok(self.api.at_block(hash).await?)
		})
		.await
	}

	/// The file committed under `root`, if any.
	pub async fn file(&self, root: &Hash) -> Result<Option<ChainFile>> {
		let at = self.at_finalized().await?;
		let addr = zg::storage().storage().files();
		match at.storage().try_fetch(addr, (H256(root.0),)).await? {
			Some(value) => Ok(Some(value.decode_as()?)),
			None => Ok(None),
		}
	}

	/// The worker endpoint a provider registered, if it is registered.
	pub async fn endpoint(&self, provider: &Account) -> Result<Option<String>> {
		let at = self.at_finalized().await?;
		let addr = zg::storage().storage().providers();
		match at.storage().try_fetch(addr, (AccountId32(*provider),)).await? {
			Some(value) => {
				let p: ChainProvider = value.decode_as()?;
				Ok(Some(String::from_utf8_lossy(&p.endpoint).trim_end_matches('/').to_string()))
			},
			None => Ok(None),
		}
	}

	/// Every committed file (for a provider's worker looking for shards assigned to it).
	pub async fn files(&self) -> Result<Vec<(Hash, ChainFile)>> {
		let at = self.at_finalized().await?;
		let mut entries = at.storage().iter(zg::storage().storage().files(), ()).await?;
		let mut out = Vec::new();
		while let Some(entry) = entries.next().await {
			let entry = entry?;
			let key = entry.key()?;
			let root = key
				.part(0)
				.and_then(|p| p.decode_as::<[u8; 32]>().ok().flatten())
				.ok_or_else(|| anyhow!("a Files key without a root"))?;
			out.push((Hash::from(root), entry.value().decode_as()?));
		}
		Ok(out)
	}

	/// The storage price in plancks per charged byte and block.
	pub async fn price(&self) -> Result<u128> {
		let at = self.at_finalized().await?;
		Ok(at.storage().fetch(zg::storage().storage().price(), ()).await?.decode()?)
	}

	/// The storage pallet's `MinShardSize` (bytes a shard is charged for at least) and
	/// `SubmissionFee` constants.
	pub async fn storage_terms(&self) -> Result<(u64, u128)> {
		let at = self.at_finalized().await?;
		let constants = zg::constants().storage();
		Ok((
			at.constants().entry(constants.min_shard_size())?,
			at.constants().entry(constants.submission_fee())?,
		))
	}

	/// What the storage pallet accepts of a file: its `MinDataShards`, `MaxDataShards`,
	/// `MinParityShards`, `MaxParityShards`, `MaxFileSize` and `ConfirmationPeriod` constants.
	pub async fn storage_limits(&self) -> Result<StorageLimits> {
		let at = self.at_finalized().await?;
		let constants = zg::constants().storage();
		Ok(StorageLimits {
			min_data_shards: at.constants().entry(constants.min_data_shards())?,
			max_data_shards: at.constants().entry(constants.max_data_shards())?,
			min_parity_shards: at.constants().entry(constants.min_parity_shards())?,
			max_parity_shards: at.constants().entry(constants.max_parity_shards())?,
			max_file_size: at.constants().entry(constants.max_file_size())?,
			confirmation_period: at.constants().entry(constants.confirmation_period())?,
		})
	}

	/// The expected time between blocks (BABE's `ExpectedBlockTime`) and the compute pallet's
	/// `MaxCapabilityLifetime` (blocks): what the worker needs to judge an API key's expiry.
	pub async fn compute_terms(&self) -> Result<(std::time::Duration, u32)> {
		let at = self.at_finalized().await?;
		let block_ms = at.constants().entry(zg::constants().babe().expected_block_time())?;
		let lifetime = at.constants().entry(zg::constants().compute().max_capability_lifetime())?;
		Ok((std::time::Duration::from_millis(block_ms), lifetime))
	}

	/// The chain's genesis hash.
	pub fn genesis_hash(&self) -> [u8; 32] {
		self.api.genesis_hash().0
	}

	/// The number of the node's latest finalized block (the block every read of this client
	/// is made at, unless it says otherwise).
	pub async fn finalized_number(&self) -> Result<u64> {
		Ok(self.at_finalized().await?.block_number())
	}

	/// Submits `Storage.submit` signed by `signer` and waits until it is in a finalized block.
	#[allow(clippy::too_many_arguments)]
	pub async fn submit_file(
		&self,
		signer: &Keypair,
		root: &Hash,
		layout: &FileLayout,
		shard_roots: &[Hash],
		lifetime: u32,
		max_fee: u128,
	) -> Result<()> {
		let call = zg::tx().storage().submit(
			H256(root.0),
			layout.size,
			layout.data_shards,
			layout.parity_shards,
			shard_roots.iter().map(|r| H256(r.0)).collect(),
			lifetime,
			max_fee,
		);
		Ok(self.sign_and_finalize(signer, &call).await.map(drop)?)
	}

	/// What the chain allows under the capability `nonce` of `user` for `provider`, read at
	/// one block: the user's allocation to the provider, what was settled under the
	/// capability (if anything), and the block's number.
	pub async fn compute_budget(
		&self,
		user: &Account,
		provider: &Account,
		nonce: u64,
	) -> Result<(u128, Option<ChainCapabilityUse>, u64)> {
		let at = self.at_finalized().await?;
		let (user, provider) = (AccountId32(*user), AccountId32(*provider));
		let allocations = zg::storage().compute().allocations();
		let allocation = match at.storage().try_fetch(allocations, (user, provider)).await? {
			Some(value) => value.decode()?,
			None => 0,
		};
		let capabilities = zg::storage().compute().capabilities();
		let used = match at.storage().try_fetch(capabilities, ((user, provider), nonce)).await? {
			Some(value) => Some(value.decode_as()?),
			None => None,
		};
		Ok((allocation, used, at.block_number()))
	}

	/// Every compute service of `provider` (`Compute.Services`).
	pub async fn compute_services(&self, provider: &Account) -> Result<Vec<ChainService>> {
		let at = self.at_finalized().await?;
		let mut entries = at.storage().iter(zg::storage().compute().services(), ()).await?;
		let mut out = Vec::new();
		while let Some(entry) = entries.next().await {
			let service: ChainService = entry?.value().decode_as()?;
			if service.provider == *provider {
				out.push(service);
			}
		}
		Ok(out)
	}

	/// Submits `Compute.settle_usage(capability, signature, amount)` signed by the provider
	/// `signer`, waits until it succeeded in a finalized block, and returns its number.
	pub async fn settle_usage(
		&self,
		signer: &Keypair,
		capability: &ChainCapability,
		signature: &ChainSignature,
		amount: u128,
	) -> Result<u64, TxError> {
		let call = zg::tx().compute().settle_usage(
			capability.to_runtime(),
			signature.to_runtime(),
			amount,
		);
		self.sign_and_finalize(signer, &call).await
	}

	/// Sends `amount` plancks from `signer` to each of `accounts`, in one `Utility.batch_all`
	/// of `Balances.transfer_keep_alive` (all or nothing), and waits until it succeeded in a
	/// finalized block.
	pub async fn fund(
		&self,
		signer: &Keypair,
		accounts: &[Account],
		amount: u128,
	) -> Result<u64, TxError> {
		use zg::runtime_types::{pallet_balances::pallet::Call, zg_runtime::RuntimeCall};
		let transfers = accounts
			.iter()
			.map(|a| {
				RuntimeCall::Balances(Call::transfer_keep_alive {
					dest: subxt::utils::MultiAddress::Id(AccountId32(*a)),
					value: amount,
				})
			})
			.collect();
		self.sign_and_finalize(signer, &zg::tx().utility().batch_all(transfers)).await
	}

	/// Signs and submits `call`, waits until it succeeded in a finalized block, and returns
	/// that block's number.
	pub async fn sign_and_finalize<C: subxt::tx::Payload>(
		&self,
		signer: &Keypair,
		call: &C,
	) -> Result<u64, TxError> {
		let in_block = self
			.submit(signer, call)
			.await?
			.wait_for_finalized()
			.await
			.map_err(|e| TxError::Unknown(anyhow!("the transaction's fate is unknown: {e}")))?;
		landed(&in_block).await
	}

	/// Signs and submits `call` and waits until it succeeded in the node's best block
	/// (not yet final: [`Included::finalized`] waits for that).
	pub async fn sign_and_include<C: subxt::tx::Payload>(
		&self,
		signer: &Keypair,
		call: &C,
	) -> Result<Included, TxError> {
		let mut progress = self.submit(signer, call).await?;
		let unknown = |e: &dyn std::fmt::Display| {
			TxError::Unknown(anyhow!("the transaction's fate is unknown: {e}"))
		};
		loop {
			match progress.next().await {
				Some(Ok(TransactionStatus::InBestBlock(block))) => {
					let number = landed(&block).await?;
					let progress = progress.into();
					return Ok(Included { number, block, progress, final_number: None });
				},
				Some(Ok(TransactionStatus::InFinalizedBlock(block))) => {
					let number = landed(&block).await?;
					let progress = progress.into();
					return Ok(Included { number, block, progress, final_number: Some(number) });
				},
				Some(Ok(TransactionStatus::Invalid { message })) => {
					return Err(TxError::NoEffect(anyhow!("the transaction is invalid: {message}")))
				},
				Some(Ok(TransactionStatus::Dropped { message })) => {
					return Err(unknown(&format!("dropped: {message}")))
				},
				Some(Ok(TransactionStatus::Error { message })) => return Err(unknown(&message)),
				Some(Ok(_)) => continue,
				Some(Err(e)) => return Err(unknown(&e)),
				None => return Err(unknown(&"the node stopped reporting it")),
			}
		}
	}

	/// Signs `call` with `signer` at the account's next nonce as the node counts it (its best
	/// block and its pool: a transaction sent right after another one's inclusion, before
	/// that is final, must not reuse its nonce) and sends it to the pool.
	async fn submit<C: subxt::tx::Payload>(
		&self,
		signer: &Keypair,
		call: &C,
	) -> Result<Progress, TxError> {
		let no_effect = |e: &dyn std::fmt::Display| TxError::NoEffect(anyhow!("{e}"));
		let account = AccountId32(signer.public_key().0);
		let lock = {
			let mut locks = self.signing.lock().unwrap_or_else(|e| e.into_inner());
			locks.entry(account.0).or_default().clone()
		};
		let _signing = lock.lock().await;
		let nonce =
			self.rpc.system_account_next_index(&account).await.map_err(|e| no_effect(&e))?;
		let params = PolkadotExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		let mut tx = self.api.tx().await.map_err(|e| no_effect(&e))?;
		tx.sign_and_submit_then_watch(call, signer, params).await.map_err(|e| no_effect(&e))
	}
}

/// How many times a read of the chain's head is tried before it fails.
pub const READ_TRIES: u32 = 4;

/// The pause between two tries of a read.
const READ_PAUSE: Duration = Duration::from_millis(250);

/// `read` (of `what`), tried up to [`READ_TRIES`] times, [`READ_PAUSE`] apart.
async fn retried<T, F: std::future::Future<Output = Result<T>>>(
	what: &str,
	read: impl Fn() -> F,
) -> Result<T> {
	let mut tries = 1;
	loop {
		match read().await {
			Ok(value) => return Ok(value),
			Err(e) if tries < READ_TRIES => {
				tracing::debug!("cannot read {what} (try {tries}): {e:#}");
				tries += 1;
				tokio::time::sleep(READ_PAUSE).await;
			},
			Err(e) => return Err(e),
		}
	}
}

/// One account's signing lock.
type NonceLock = std::sync::Arc<tokio::sync::Mutex<()>>;

/// A transaction's progress as subxt reports it.
type Progress = TransactionProgress<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>;

/// A transaction that succeeded in the node's best block, not yet final.
pub struct Included {
	/// The block's number.
	pub number: u64,
	block: TransactionInBlock<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>,
	// In a mutex only so that `&Included` can be held across an await in a spawned task (the
	// stream is `Send`, not `Sync`); nothing locks it but `finalized`, which owns it.
	progress: std::sync::Mutex<Progress>,
	/// Set when the first status seen was already a finalized block (the stream then ends).
	final_number: Option<u64>,
}

impl Included {
	/// The chain at the block that included the transaction.
	pub(crate) async fn at(&self) -> Result<OnlineClientAtBlock<PolkadotConfig>> {
		Ok(self.block.at().await?)
	}

	/// Waits until the transaction is in a finalized block and succeeded there (a
	/// re-organisation can put it in another block than the one it was first included in),
	/// and returns that block's number.
	pub async fn finalized(self) -> Result<u64, TxError> {
		if let Some(number) = self.final_number {
			return Ok(number);
		}
		let progress = self.progress.into_inner().unwrap_or_else(|e| e.into_inner());
		let in_block = progress
			.wait_for_finalized()
			.await
			.map_err(|e| TxError::Unknown(anyhow!("the transaction's fate is unknown: {e}")))?;
		landed(&in_block).await
	}
}

/// The number of the block `in_block` names, once the transaction is seen to have succeeded
/// in it.
async fn landed(
	in_block: &TransactionInBlock<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>,
) -> Result<u64, TxError> {
	let number = in_block
		.at()
		.await
		.map_err(|e| TxError::Unknown(anyhow!("cannot read its block: {e}")))?
		.block_number();
	in_block
		.wait_for_success()
		.await
		.map_err(|e| TxError::NoEffect(anyhow!("the transaction failed: {e}")))?;
	Ok(number)
}

/// Why a transaction did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
	/// It took no effect: it could not be sent, or it failed in a finalized block.
	#[error("{0:#}")]
	NoEffect(anyhow::Error),
	/// It was sent and its fate is unknown (the watch broke off before finality): it may
	/// still take effect.
	#[error("{0:#}")]
	Unknown(anyhow::Error),
}

/// A key pair from a secret URI (`//Alice`, a mnemonic, `0x…` seed with derivations).
pub fn keypair(suri: &str) -> Result<Keypair> {
	let uri: subxt_signer::SecretUri = suri.parse().map_err(|e| anyhow!("bad secret URI: {e}"))?;
	Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}

/// Parses an account: 0x-prefixed hex of 32 bytes, or an SS58 address.
pub fn parse_account(text: &str) -> Result<Account> {
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes = hex::decode(hex).context("bad hex account")?;
		return bytes.try_into().map_err(|_| anyhow!("an account is 32 bytes"));
	}
	let id: subxt::utils::AccountId32 =
		text.parse().map_err(|e| anyhow!("bad SS58 address: {e:?}"))?;
	Ok(id.0)
}

/// Parses a root: 0x-prefixed hex of 32 bytes.
pub fn parse_root(text: &str) -> Result<Hash> {
	let hex = text.strip_prefix("0x").unwrap_or(text);
	let bytes: [u8; 32] = hex::decode(hex)
		.context("a root is 32 bytes of hex")?
		.try_into()
		.map_err(|_| anyhow!("a root is 32 bytes of hex"))?;
	Ok(Hash::from(bytes))
}

/// An account as an SS58 address (the generic prefix 42, the chain's own), as polkadot.js
/// shows it.
pub fn ss58(account: &Account) -> String {
	subxt::utils::AccountId32(*account).to_string()
}
