//! Random sequences of extrinsics over many blocks, in the spirit of srlabs'
//! substrate-runtime-fuzzer: calls of any pallet, signed by the local testnet's endowed
//! accounts and applied through the runtime's transaction extensions (nonces, fees,
//! `CheckWeight`; no signature is made), in blocks made with the hooks (a BABE pre-digest of the
//! slot's authority with its VRF signature, the timestamp inherent, `on_initialize` …
//! `on_finalize`), the slot jumping so that sessions and eras pass. After every block:
//!
//! - every pallet's `try_state`, under a guard that fails if it writes, and every stored value
//!   decodable;
//! - the total issuance equals the sum of every account's free and reserved balance (the
//!   pallets' escrows are accounts; their own `try_state` compares them with what the pallet
//!   owes), and its change over the block is what the block's events say was minted and
//!   burned: no $0G appears or vanishes unannounced;
//! - each dispatch class's weight within its limit, and the transactions' (normal and
//!   operational) within the block's maximum.
//!
//! What it does not do yet is listed in docs/fuzzing.md.
//!
//! An input is a byte string read as `(lapse: u8, origin: u8, call: RuntimeCall)` items, SCALE
//! with a depth limit: `lapse` slots pass before the call when non-zero (a new block), `origin`
//! picks the signer. The same function can be driven by a coverage-guided engine; this test
//! feeds it inputs built from a seeded generator: structured calls of the storage life cycle,
//! and real pallet and call indexes with random argument bytes. `ZG_SEQ_RUNS` inputs (default 20) from `ZG_SEQ_SEED` (default 1);
//! `ZG_SEQ_TRACE=1` prints each call and each block's weight. An input that breaks an
//! invariant is written to the temporary directory.
//!
//! ```sh
//! SKIP_WASM_BUILD=1 cargo test -p zg-runtime --features try-runtime --test random_sequences
//! ```
#![cfg(feature = "try-runtime")]

use codec::{Decode, DecodeLimit, Encode};
use frame_support::{
	dispatch::{DispatchClass, GetDispatchInfo},
	traits::{TryDecodeEntireStorage, TryState, TryStateSelect},
};
use sp_consensus_babe::{
	digests::{PreDigest, PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest},
	BABE_ENGINE_ID,
};
use sp_runtime::{
	generic::{self, Era, ExtrinsicFormat},
	traits::{Applyable, Header as _},
	BuildStorage, Digest, DigestItem, DispatchError, TransactionOutcome,
};
use zg_runtime::{
	genesis_config_presets, AccountId, AllPalletsWithSystem, Babe, Balances, Executive, Header,
	Runtime, RuntimeCall, System, TxExtension,
};

/// Storage files dropped with their fees refunded (no providers to serve them, or not
/// confirmed by their deadline), and shards assigned, over all runs.
static DROPPED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
static ASSIGNED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
/// Blocks that minted, and that burned, $0G (their issuance change checked against it).
static MINTING: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
static BURNING: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
/// Blocks whose pre-digest carried their author's VRF signature.
static VRF: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Items of one input at most, as the substrate-runtime-fuzzer bounds them.
const MAX_ITEMS: usize = 64;

/// The local testnet's genesis state.
fn genesis() -> sp_core::storage::Storage {
	let name = sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
	genesis_config_presets::preset_config(&name.into()).unwrap().build_storage().unwrap()
}

/// Whether `ZG_SEQ_TRACE` asks for each call and block weight to be printed (read once).
fn trace() -> bool {
	static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
	*TRACE.get_or_init(|| std::env::var("ZG_SEQ_TRACE").is_ok())
}

/// What happened to the calls of a run.
#[derive(Debug, Default)]
struct Tally {
	blocks: u32,
	applied: u32,
	failed: u32,
	refused: u32,
	sessions: u32,
	eras: u32,
	/// Calls applied with success, by pallet and call.
	by_pallet: std::collections::BTreeMap<String, u32>,
}

thread_local! {
	/// The total issuance before the current block's hooks.
	static ISSUANCE_BEFORE: std::cell::Cell<u128> = const { std::cell::Cell::new(0) };
}

/// The author of `slot`: the slot's authority in turn, or the next one that is not disabled
/// (BABE refuses a block of a disabled authority).
fn author(slot: u64) -> u32 {
	let authorities = Babe::authorities().len().max(1) as u64;
	let disabled = pallet_session::DisabledValidators::<Runtime>::get();
	(0..authorities)
		.map(|i| ((slot + i) % authorities) as u32)
		.find(|index| !disabled.iter().any(|(d, _)| d == index))
		.unwrap_or((slot % authorities) as u32)
}

/// Gives the block's BABE pre-digest, as `on_finalize` reads it, the VRF signature its author
/// makes over the epoch's transcript (after the epoch change the block's hooks may have
/// enacted, as the author signs for the slot's epoch): a primary claim every third slot, a
/// secondary VRF one otherwise, as `PrimaryAndSecondaryVRFSlots` allows. The randomness the
/// beacon, storage assignments and challenges draw on then comes from VRF outputs, as on the
/// network. An authority whose key is not a dev key (session keys set by a call of the input)
/// keeps the plain pre-digest.
fn sign_vrf(authority_index: u32, slot: u64) {
	use sp_core::crypto::VrfSecret;
	let Some((authority, _)) = Babe::authorities().get(authority_index as usize).cloned() else {
		return;
	};
	let Some(key) = sp_keyring::Sr25519Keyring::iter()
		.find(|k| sp_consensus_babe::AuthorityId::from(k.public()) == authority)
	else {
		return;
	};
	let transcript = sp_consensus_babe::make_vrf_transcript(
		&pallet_babe::Randomness::<Runtime>::get(),
		pallet_babe::CurrentSlot::<Runtime>::get(),
		pallet_babe::EpochIndex::<Runtime>::get(),
	);
	let vrf_signature = key.pair().vrf_sign(&transcript.into_sign_data());
	let pre = if slot % 3 == 0 {
		PreDigest::Primary(PrimaryPreDigest { authority_index, slot: slot.into(), vrf_signature })
	} else {
		PreDigest::SecondaryVRF(SecondaryVRFPreDigest {
			authority_index,
			slot: slot.into(),
			vrf_signature,
		})
	};
	pallet_babe::Initialized::<Runtime>::put(Some(pre));
	VRF.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Starts block `number` at `slot`, authored by the slot's authority, with its timestamp.
fn start_block(number: u32, slot: u64, parent: sp_core::H256) {
	ISSUANCE_BEFORE.with(|c| c.set(Balances::total_issuance()));
	let authority_index = author(slot);
	let pre =
		PreDigest::SecondaryPlain(SecondaryPlainPreDigest { slot: slot.into(), authority_index });
	let digest = Digest { logs: vec![DigestItem::PreRuntime(BABE_ENGINE_ID, pre.encode())] };
	Executive::initialize_block(&Header::new(
		number,
		Default::default(),
		Default::default(),
		parent,
		digest,
	));
	sign_vrf(authority_index, slot);
	let now = slot * zg_runtime::time::SLOT_DURATION;
	let inherent = generic::UncheckedExtrinsic::<
		zg_runtime::Address,
		RuntimeCall,
		zg_runtime::Signature,
		TxExtension,
	>::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set { now }));
	Executive::apply_extrinsic(inherent.into())
		.expect("the timestamp inherent is valid")
		.expect("the timestamp inherent succeeds");
	Executive::inherents_applied();
	if trace() {
		println!("block {number} at slot {slot} after its inherents: {:?}", System::block_weight());
	}
}

/// Ends the current block and checks the invariants; returns its hash.
fn end_block(number: u32) -> sp_core::H256 {
	if trace() {
		println!("block {number} before finalize: {:?}", System::block_weight());
	}
	let header = Executive::finalize_block();
	let (mut minted, mut burned) = (0u128, 0u128);
	for record in System::events() {
		use pallet_balances::Event as B;
		use zg_runtime::RuntimeEvent::Balances;
		match record.event {
			Balances(
				B::Minted { amount, .. } | B::MintedCredit { amount } | B::Issued { amount },
			) => minted = minted.saturating_add(amount),
			// A reaped account's dust (`DustLost`) is dropped as a credit (`DustRemoval = ()`),
			// which lowers the issuance and says so with `BurnedDebt`: not counted twice.
			// `TotalIssuanceForced` and shelving need Root or no caller here: not reached.
			Balances(
				B::Burned { amount, .. }
				| B::BurnedDebt { amount }
				| B::BurnedHeld { amount, .. }
				| B::Rescinded { amount },
			) => burned = burned.saturating_add(amount),
			zg_runtime::RuntimeEvent::Storage(pallet_zg_storage::Event::FileDropped { .. }) => {
				DROPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
			},
			zg_runtime::RuntimeEvent::Storage(pallet_zg_storage::Event::ShardAssigned {
				..
			}) => {
				ASSIGNED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
			},
			_ => {},
		}
	}
	{
		// As try-runtime's `execute_block` does: the checks must not write, and every stored
		// value must decode.
		let _guard = frame_support::StorageNoopGuard::default();
		AllPalletsWithSystem::try_state(number, TryStateSelect::All)
			.unwrap_or_else(|e| panic!("try_state after block {number}: {e:?}"));
		AllPalletsWithSystem::try_decode_entire_state()
			.unwrap_or_else(|e| panic!("undecodable storage after block {number}: {e:?}"));
	}
	let issuance = Balances::total_issuance();
	let held: u128 = frame_system::Account::<Runtime>::iter()
		.map(|(_, a)| a.data.free.saturating_add(a.data.reserved))
		.fold(0u128, |sum, b| sum.saturating_add(b));
	assert_eq!(issuance, held, "block {number}: total issuance is not what the accounts hold");
	let before = ISSUANCE_BEFORE.with(|c| c.get());
	MINTING.fetch_add(u32::from(minted > 0), std::sync::atomic::Ordering::Relaxed);
	BURNING.fetch_add(u32::from(burned > 0), std::sync::atomic::Ordering::Relaxed);
	assert_eq!(
		issuance as i128 - before as i128,
		minted as i128 - burned as i128,
		"block {number}: the issuance went {before} -> {issuance}, the events say {minted} \
		 minted and {burned} burned"
	);
	let limits = <Runtime as frame_system::Config>::BlockWeights::get();
	let weight = System::block_weight();
	for class in [DispatchClass::Normal, DispatchClass::Operational, DispatchClass::Mandatory] {
		if let Some(max) = limits.get(class).max_total {
			assert!(
				weight.get(class).all_lte(max),
				"block {number}: {class:?} weight {:?} over {max:?}",
				weight.get(class)
			);
		}
	}
	// Mandatory weight (hooks, inherents) is not bounded by the block: pallet-session charges a
	// whole block when it rotates. What transactions may use is.
	let transactions =
		weight.get(DispatchClass::Normal).saturating_add(*weight.get(DispatchClass::Operational));
	assert!(
		transactions.all_lte(limits.max_block),
		"block {number}: transactions' weight {transactions:?} over the block's {:?}",
		limits.max_block
	);
	header.hash()
}

/// Applies `call` signed by `who` through the runtime's transaction extensions, as a block
/// author would (no signature: the extensions, fees and nonces are what is exercised).
fn apply_signed(who: AccountId, call: RuntimeCall, tally: &mut Tally) {
	// `Pallet(Call::name`, from the call's debug text.
	let pallet = format!("{call:?}").split([' ', '{']).next().unwrap_or_default().to_string();
	let nonce = System::account_nonce(&who);
	let extension: TxExtension = (
		frame_system::AuthorizeCall::new(),
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		frame_system::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		pallet_transaction_payment::ChargeTransactionPayment::from(0),
		pallet_revive::evm::tx_extension::SetOrigin::default(),
		frame_metadata_hash_extension::CheckMetadataHash::new(false),
		frame_system::WeightReclaim::new(),
	);
	let encoded = generic::UncheckedExtrinsic::<
		zg_runtime::Address,
		RuntimeCall,
		zg_runtime::Signature,
		TxExtension,
	>::new_signed(
		call.clone(),
		zg_runtime::Address::Id(who.clone()),
		zg_runtime::Signature::Sr25519(sp_core::sr25519::Signature::from_raw([0; 64])),
		extension.clone(),
	)
	.encode();
	let xt = generic::CheckedExtrinsic::<AccountId, RuntimeCall, TxExtension> {
		format: ExtrinsicFormat::Signed(who, extension),
		function: call,
	};
	let info = xt.get_dispatch_info();
	// As the block builder does: an extrinsic the extensions refuse leaves no trace.
	let outcome = frame_support::storage::with_transaction(|| {
		System::note_extrinsic(encoded.clone());
		match Applyable::apply::<Runtime>(xt, &info, encoded.len()) {
			Ok(result) => {
				let ok = result.is_ok();
				System::note_applied_extrinsic(&result, info);
				TransactionOutcome::Commit(Ok(ok))
			},
			Err(_) => TransactionOutcome::Rollback(Err(DispatchError::Other("refused"))),
		}
	});
	match outcome {
		Ok(true) => {
			tally.applied += 1;
			*tally.by_pallet.entry(pallet).or_default() += 1;
		},
		Ok(false) => tally.failed += 1,
		// What the pool would refuse (nonce, fees, a full block): not in the block.
		Err(_) => tally.refused += 1,
	}
}

/// Runs one input from the local testnet's genesis; panics on a broken invariant.
fn run_input(genesis: &sp_core::storage::Storage, mut data: &[u8]) -> Tally {
	// The genesis's endowed accounts: the dev keys and the Ethereum dev accounts' mappings.
	let accounts: Vec<AccountId> = genesis_config_presets::endowed_accounts();
	let mut tally = Tally::default();
	sp_io::TestExternalities::new(genesis.clone()).execute_with(|| {
		let mut number = 1u32;
		// Slot 0 is not a slot BABE accepts as the first.
		let mut slot = 1u64;
		let mut parent = System::block_hash(0);
		let session = pallet_session::CurrentIndex::<Runtime>::get();
		let era = pallet_zg_staking::CurrentEra::<Runtime>::get().unwrap_or_default();
		start_block(number, slot, parent);
		let mut items = 0;
		while !data.is_empty() && items < MAX_ITEMS {
			let Ok((lapse, origin, call)) =
				<(u8, u8, RuntimeCall)>::decode_with_depth_limit(64, &mut data)
			else {
				break;
			};
			items += 1;
			if lapse > 0 {
				parent = end_block(number);
				number += 1;
				slot += u64::from(lapse);
				start_block(number, slot, parent);
			}
			let who = accounts[usize::from(origin) % accounts.len()].clone();
			if trace() {
				println!("{:?}", call);
			}
			apply_signed(who, call, &mut tally);
		}
		end_block(number);
		tally.blocks = number;
		tally.sessions = pallet_session::CurrentIndex::<Runtime>::get() - session;
		tally.eras = pallet_zg_staking::CurrentEra::<Runtime>::get().unwrap_or_default() - era;
	});
	tally
}

/// A seeded xorshift generator.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}
}

/// Every (pallet index, call index) pair that names a call of this runtime.
fn call_indexes() -> Vec<(u8, u8)> {
	let mut found = Vec::new();
	let padding = [0u8; 512];
	for pallet in 0..=255u8 {
		for call in 0..=63u8 {
			let mut bytes = vec![pallet, call];
			bytes.extend_from_slice(&padding);
			let decoded = RuntimeCall::decode(&mut &bytes[..]);
			// A call whose arguments cannot be all zeros still names a call if its first
			// bytes decode; count pairs whose index bytes are accepted.
			if decoded.is_ok() || !matches!(&decoded, Err(e) if e.to_string().contains("variant")) {
				found.push((pallet, call));
			}
		}
	}
	found
}

/// Files the structured calls draw from, so that a renewal or a second submission can name a
/// file submitted earlier in the input: file `f`'s root, size, `k`, `m` and shard roots (the
/// shard roots made up: nobody can confirm them, so the file is assigned, then dropped at its
/// confirmation deadline with its fee refunded).
const FILES: u8 = 6;

fn file(f: u8) -> (sp_core::H256, u64, u16, u16, Vec<sp_core::H256>) {
	let (k, m) = (2 + u16::from(f % 3), u16::from(f % 2));
	let size = u64::from(1 + f) << 20;
	let roots: Vec<_> =
		(0..k + m).map(|i| sp_core::H256::repeat_byte(16 * f + i as u8 + 1)).collect();
	let layout = zg_primitives::storage::FileLayout::new(size, k, m).expect("a valid layout");
	(zg_primitives::storage::file_root(&layout, &roots), size, k, m, roots)
}

/// A call of the storage life cycle with valid arguments, which random bytes rarely make: a
/// provider's role bond and registration, one of [`FILES`] submitted, renewed, a departure.
fn structured_call(rng: &mut Rng) -> RuntimeCall {
	use pallet_zg_staking::Call as Staking;
	use pallet_zg_storage::Call as Storage;
	use zg_primitives::staking::Role;
	let zg = zg_runtime::ZG;
	let amount = |rng: &mut Rng| match rng.below(4) {
		0 => zg,
		1 => 1_000 * zg,
		2 => 2_000 * zg,
		_ => u128::from(rng.next()),
	};
	match rng.below(9) {
		0 | 1 => RuntimeCall::Staking(Staking::register_role {
			role: Role::StorageProvider,
			bond: amount(rng),
		}),
		2 | 3 => {
			RuntimeCall::Storage(Storage::register_provider { endpoint: b"http://p".to_vec() })
		},
		4 | 5 => {
			let (root, size, data_shards, parity_shards, shard_roots) =
				file(rng.below(u64::from(FILES)) as u8);
			let lifetimes = [zg_runtime::storage_params::MIN_LIFETIME, 1_000, 20_000];
			RuntimeCall::Storage(Storage::submit {
				root,
				size,
				data_shards,
				parity_shards,
				shard_roots,
				lifetime: lifetimes[rng.below(3) as usize],
				max_fee: u128::MAX,
			})
		},
		6 => RuntimeCall::Storage(Storage::renew {
			root: file(rng.below(u64::from(FILES)) as u8).0,
			extra: 1 + rng.below(1_000) as u32,
			max_fee: u128::MAX,
		}),
		7 => RuntimeCall::Storage(Storage::deregister_provider {}),
		_ => RuntimeCall::Staking(Staking::unregister_role { role: Role::StorageProvider }),
	}
}

/// An input of `items` items: mostly calls in the current block, sometimes a new block and
/// now and then a jump over many slots (sessions and eras). A call is a structured one of the
/// storage life cycle (3 in 10), or a real pallet and call index followed by random argument
/// bytes until those decode; it is encoded back, so that every item of the input decodes.
fn random_input(rng: &mut Rng, indexes: &[(u8, u8)], items: usize) -> Vec<u8> {
	let mut out = Vec::new();
	for _ in 0..items {
		let lapse: u8 = match rng.below(10) {
			0..=5 => 0,
			6..=8 => 1 + rng.below(3) as u8,
			_ => 20 + rng.below(200) as u8,
		};
		let origin = rng.below(256) as u8;
		let call = if rng.below(10) < 3 {
			structured_call(rng)
		} else {
			loop {
				let (pallet, call) = indexes[rng.below(indexes.len() as u64) as usize];
				let mut bytes = vec![pallet, call];
				// Argument bytes: zeros, small numbers and noise.
				for _ in 0..rng.below(160) {
					bytes.push(match rng.below(4) {
						0 => 0,
						1 => rng.below(8) as u8,
						_ => rng.next() as u8,
					});
				}
				if let Ok(call) = RuntimeCall::decode_with_depth_limit(64, &mut &bytes[..]) {
					break call;
				}
			}
		};
		(lapse, origin, call).encode_to(&mut out);
	}
	out
}

#[test]
fn random_sequences_keep_every_invariant() {
	let runs: u64 = std::env::var("ZG_SEQ_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
	let seed: u64 = std::env::var("ZG_SEQ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
	let genesis = genesis();
	let indexes = call_indexes();
	assert!(indexes.len() > 50, "few calls found: {}", indexes.len());
	let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
	let mut total = Tally::default();
	for run in 0..runs {
		let input = random_input(&mut rng, &indexes, MAX_ITEMS);
		let tally = std::panic::catch_unwind(|| run_input(&genesis, &input)).unwrap_or_else(|e| {
			let path = std::env::temp_dir().join(format!("zg-seq-{seed}-{run}.bin"));
			std::fs::write(&path, &input).unwrap();
			eprintln!("input {run} of seed {seed} broke an invariant; it is in {}", path.display());
			std::panic::resume_unwind(e)
		});
		total.blocks += tally.blocks;
		total.applied += tally.applied;
		total.failed += tally.failed;
		total.refused += tally.refused;
		total.sessions += tally.sessions;
		total.eras += tally.eras;
		for (pallet, n) in tally.by_pallet {
			*total.by_pallet.entry(pallet).or_default() += n;
		}
	}
	println!(
		"{runs} inputs from seed {seed}, {} call indexes: {} blocks, {} sessions and {} eras \
		 passed, {} calls applied, {} failed in dispatch, {} refused by the extensions",
		indexes.len(),
		total.blocks,
		total.sessions,
		total.eras,
		total.applied,
		total.failed,
		total.refused
	);
	println!("applied by call: {:?}", total.by_pallet);
	println!(
		"storage: {} shards assigned, {} files dropped (unserved, or at their confirmation \
		 deadline) with their fees refunded",
		ASSIGNED.load(std::sync::atomic::Ordering::Relaxed),
		DROPPED.load(std::sync::atomic::Ordering::Relaxed)
	);
	println!(
		"randomness: {} blocks carried their author's VRF signature",
		VRF.load(std::sync::atomic::Ordering::Relaxed)
	);
	println!(
		"issuance: {} blocks minted and {} burned $0G, each change matching its events",
		MINTING.load(std::sync::atomic::Ordering::Relaxed),
		BURNING.load(std::sync::atomic::Ordering::Relaxed)
	);
}
