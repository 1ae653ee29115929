//! An input applied to the runtime: its calls, signed by the genesis's endowed accounts, in
//! blocks whose slots jump as the input says.

use codec::{DecodeLimit, Encode};
use frame_support::dispatch::GetDispatchInfo;
use sp_runtime::{
	generic::{self, Era, ExtrinsicFormat},
	traits::Applyable,
	DispatchError, TransactionOutcome,
};
use zg_runtime::{
	genesis_config_presets, AccountId, Runtime, RuntimeCall, RuntimeEvent, System, TxExtension,
};

use crate::{block, providers, services, signers, trace, MAX_ITEMS};

/// What happened to the calls of a run.
#[derive(Debug, Default)]
pub struct Tally {
	pub blocks: u32,
	/// Calls applied with success.
	pub applied: u32,
	/// Calls included whose dispatch failed.
	pub failed: u32,
	/// Calls the transaction extensions refused (nonce, fees, a full block): not included.
	pub refused: u32,
	pub sessions: u32,
	pub eras: u32,
	/// Calls applied with success, by pallet and call.
	pub by_pallet: std::collections::BTreeMap<String, u32>,
	/// The blocks' events, by pallet and name (a dispute's decision by its verdict).
	pub events: std::collections::BTreeMap<String, u32>,
}

impl Tally {
	/// Adds another run's tally to this one.
	pub fn add(&mut self, other: Tally) {
		self.blocks += other.blocks;
		self.applied += other.applied;
		self.failed += other.failed;
		self.refused += other.refused;
		self.sessions += other.sessions;
		self.eras += other.eras;
		for (pallet, n) in other.by_pallet {
			*self.by_pallet.entry(pallet).or_default() += n;
		}
		for (event, n) in other.events {
			*self.events.entry(event).or_default() += n;
		}
	}

	/// Counts the events of the block just ended.
	fn count_events(&mut self) {
		for record in System::events() {
			let name = match &record.event {
				RuntimeEvent::Compute(pallet_zg_compute::Event::DisputeResolved {
					verdict,
					..
				}) => format!("Compute(Event::DisputeResolved({verdict:?})"),
				event => {
					format!("{event:?}").split([' ', '{']).next().unwrap_or_default().to_string()
				},
			};
			*self.events.entry(name).or_default() += 1;
		}
	}
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
				if trace() {
					println!("  -> {:?}", result.map(|_| ()).map_err(|e| e.error));
				}
				System::note_applied_extrinsic(&result, info);
				TransactionOutcome::Commit(Ok(ok))
			},
			Err(e) => {
				if trace() {
					println!("  -> refused: {e:?}");
				}
				TransactionOutcome::Rollback(Err(DispatchError::Other("refused")))
			},
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

/// Runs one input from `genesis` (the local testnet's, [`crate::genesis`]): up to
/// [`MAX_ITEMS`] `(lapse, origin, call)` items, reading stops at the first that does not
/// decode. Panics on a broken invariant.
pub fn run_input(genesis: &sp_core::storage::Storage, mut data: &[u8]) -> Tally {
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
		block::start(number, slot, parent);
		let mut items = 0;
		while !data.is_empty() && items < MAX_ITEMS {
			let Ok((lapse, origin, call)) =
				<(u8, u8, RuntimeCall)>::decode_with_depth_limit(64, &mut data)
			else {
				break;
			};
			items += 1;
			if lapse > 0 {
				parent = block::end(number);
				tally.count_events();
				number += 1;
				slot += u64::from(lapse);
				block::start(number, slot, parent);
				let duties = providers::duties(&accounts).into_iter();
				let duties = duties.chain(services::duties(&accounts));
				for (provider, duty) in duties.chain(signers::duties(&accounts)) {
					if trace() {
						println!("duty of {provider}: {duty:?}");
					}
					apply_signed(provider, duty, &mut tally);
				}
			}
			let who = accounts[usize::from(origin) % accounts.len()].clone();
			if trace() {
				println!("{:?}", call);
			}
			apply_signed(who, call, &mut tally);
		}
		block::end(number);
		tally.count_events();
		tally.blocks = number;
		tally.sessions = pallet_session::CurrentIndex::<Runtime>::get() - session;
		tally.eras = pallet_zg_staking::CurrentEra::<Runtime>::get().unwrap_or_default() - era;
	});
	tally
}
