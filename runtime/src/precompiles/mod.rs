//! Precompiles: the 0G pallets in reach of Solidity contracts and Ethereum accounts.
//!
//! Each precompile lives at a fixed address, has a Solidity interface under `precompiles/` at
//! the repository's root (compiled here with `sol!`), and acts as **the caller's own account**:
//! an externally owned account's mapped account, or the calling contract's. What they share is
//! here, written once:
//!
//! - [`Precompiled`] makes each [`ZgPrecompile`] a pallet-revive precompile at its fixed
//!   address, and refuses a value first, for every call, views included: a value sent along
//!   would stay at the precompile's address, which nothing can spend.
//! - [`dispatch`] runs a pallet call with the caller's signed origin. It refuses a static call
//!   (no state may change), a delegate call (the caller of a delegate call is another account's
//!   code acting as that account) and the root origin. It charges the call's benchmarked weight before it runs, refunds what the
//!   call reports unused, and turns a failure into a revert that names the pallet's error
//!   (`Staking.NotBonded`); the whole call frame's changes are then undone.
//! - [`charge_reads`] charges a view for the storage items it reads.
//! - [`emit`] turns an event of the interface into an Ethereum log; [`act`] dispatches a call
//!   and logs its event.
//!
//! | address | interface | pallet |
//! |---|---|---|
//! | `0x000000000000000000000000000000000a010000` | `IStaking` | staking |
//! | `0x000000000000000000000000000000000A020000` | `IStorage` | storage |
//! | `0x000000000000000000000000000000000a030000` | `ICompute` | compute |
//! | `0x000000000000000000000000000000000A040000` | `IDa` | DA |

use crate::{AccountId, AllPalletsWithSystem, Balance, Runtime, RuntimeCall, RuntimeOrigin};
use alloc::{format, string::String, vec::Vec};
use core::{marker::PhantomData, num::NonZero};
use frame_support::{
	dispatch::{extract_actual_weight, GetDispatchInfo},
	traits::PalletsInfoAccess,
	weights::Weight,
};
use pallet_revive::precompiles::{
	alloy::{
		primitives::{Address, U256 as EvmU256},
		sol_types::{Revert, SolEvent, SolInterface},
	},
	AddressMatcher, Error, Ext, Precompile, RuntimeCosts, H160, H256,
};
use sp_runtime::{traits::Dispatchable, DispatchError, ModuleError};

mod compute;
mod da;
mod staking;
mod storage;
#[cfg(test)]
mod tests;

pub use compute::ComputePrecompile;
pub use da::DaPrecompile;
pub use staking::StakingPrecompile;
pub use storage::StoragePrecompile;

/// The precompiles of the runtime, in `pallet_revive::Config::Precompiles`.
pub type Precompiles = (
	Precompiled<StakingPrecompile>,
	Precompiled<StoragePrecompile>,
	Precompiled<ComputePrecompile>,
	Precompiled<DaPrecompile>,
);

/// One 0G precompile: its Solidity interface, its address and its calls.
pub trait ZgPrecompile {
	/// The calls of the interface (`sol!`), decoded by pallet-revive.
	type Interface: SolInterface;
	/// The address is `0x00000000000000000000000000000000{ID:04x}0000`.
	const ID: NonZero<u16>;
	/// Runs one call; a value sent along has already been refused.
	fn call(input: &Self::Interface, env: &mut impl Ext<T = Runtime>) -> Result<Vec<u8>, Error>;
}

/// A [`ZgPrecompile`] as pallet-revive calls it: at its fixed address, without contract info,
/// refusing a value before anything else.
pub struct Precompiled<P>(PhantomData<P>);

impl<P: ZgPrecompile> Precompile for Precompiled<P> {
	type T = Runtime;
	type Interface = P::Interface;
	const MATCHER: AddressMatcher = AddressMatcher::Fixed(P::ID);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		refuse_value(env)?;
		P::call(input, env)
	}
}

/// The [`ZgPrecompile::ID`] `id` (at least 1: the ids are the constants of the precompiles).
pub const fn address_id(id: u16) -> NonZero<u16> {
	NonZero::<u16>::MIN.saturating_add(id.saturating_sub(1))
}

/// A revert with `reason` (what Solidity's `revert("…")` gives the caller).
pub fn revert(reason: impl Into<String>) -> Error {
	Error::Revert(Revert { reason: reason.into() })
}

/// The revert of a failed pallet call: `Pallet.Error` for a pallet's error (the pallet that
/// raised it, which may not be the one called), the kind of error otherwise.
pub fn revert_of(error: DispatchError) -> Error {
	let reason = match error {
		DispatchError::Module(ModuleError { index, message, error: [code, ..] }) => {
			let pallet = AllPalletsWithSystem::infos()
				.into_iter()
				.find(|p| p.index == index as usize)
				.map(|p| p.name)
				.unwrap_or("UnknownPallet");
			match message {
				Some(message) => format!("{pallet}.{message}"),
				None => format!("{pallet}.Error{code}"),
			}
		},
		other => {
			let kind: &'static str = other.into();
			String::from(kind)
		},
	};
	revert(reason)
}

/// The account a state-changing call acts as: the caller, refused in a delegate call.
fn acting_account(env: &impl Ext<T = Runtime>) -> Result<AccountId, Error> {
	if env.is_delegate_call() {
		return Err(revert("0G precompiles cannot be delegate-called"));
	}
	env.caller()
		.account_id()
		.cloned()
		.map_err(|_| revert("0G precompiles act for an account, not for root"))
}

/// Refuses a call that carries a value: pallet-revive has moved it to the precompile's address
/// before the precompile runs, where nothing could ever spend it.
fn refuse_value(env: &impl Ext<T = Runtime>) -> Result<(), Error> {
	if env.value_transferred().is_zero() {
		Ok(())
	} else {
		Err(revert("0G precompiles take no value"))
	}
}

/// Runs `call` as the caller's signed origin and returns the account it acted as.
///
/// Refuses a static call and a delegate call; charges the call's benchmarked weight,
/// refunds what the call reports unused, and reverts with the pallet's error when it fails.
pub fn dispatch(env: &mut impl Ext<T = Runtime>, call: RuntimeCall) -> Result<AccountId, Error> {
	if env.is_read_only() {
		return Err(revert("state change in a static call"));
	}
	let who = acting_account(env)?;
	let info = call.get_dispatch_info();
	let charged = env.charge(info.call_weight)?;
	let result = call.dispatch(RuntimeOrigin::signed(who.clone()));
	env.adjust_gas(charged, extract_actual_weight(&result, &info));
	result.map_err(|e| revert_of(e.error))?;
	Ok(who)
}

/// Dispatches `call` as [`dispatch`] does, then logs the event `log` makes of the caller's
/// address; returns nothing to the caller.
pub fn act<E: SolEvent>(
	env: &mut impl Ext<T = Runtime>,
	call: RuntimeCall,
	log: impl FnOnce(Address) -> E,
) -> Result<Vec<u8>, Error> {
	dispatch(env, call)?;
	let event = log(caller_address(env));
	emit(env, &event)?;
	Ok(Vec::new())
}

/// The account of the Ethereum address `who` (its original account when it has one); the read
/// is charged with [`address_read`].
pub fn account_of(env: &impl Ext<T = Runtime>, who: &Address) -> AccountId {
	env.to_account_id(&H160::from(who.0 .0))
}

/// Charges `reads` storage reads whose keys and values take at most `proof_bytes` together in
/// the proof.
pub fn charge_reads(
	env: &mut impl Ext<T = Runtime>,
	reads: u64,
	proof_bytes: u64,
) -> Result<(), Error> {
	let weight = <Runtime as frame_system::Config>::DbWeight::get()
		.reads(reads)
		.saturating_add(Weight::from_parts(0, proof_bytes));
	env.charge(weight)?;
	Ok(())
}

/// The proof bytes of one read of a map entry whose value is `V`, as FRAME's benchmarks
/// estimate it (`MaxEncodedLen`): the key (32 bytes of prefix, up to 48 of hashed key), the value,
/// and 15 sibling hashes of 33 bytes on each of 5 trie levels.
pub fn map_read<V: codec::MaxEncodedLen>() -> u64 {
	(32 + 48 + 15 * 33 * 5 + V::max_encoded_len()) as u64
}

/// The proof bytes of turning an Ethereum address into its account (pallet-revive reads
/// `OriginalAccount`).
pub fn address_read() -> u64 {
	map_read::<AccountId>()
}

/// Emits `event` as an Ethereum log of the precompile, charged as a contract's log is.
pub fn emit<E: SolEvent>(env: &mut impl Ext<T = Runtime>, event: &E) -> Result<(), Error> {
	let topics: Vec<H256> = event.encode_topics().into_iter().map(|t| H256::from(t.0 .0)).collect();
	let data = event.encode_data();
	env.frame_meter_mut().charge_weight_token(RuntimeCosts::DepositEvent {
		num_topic: topics.len() as u32,
		len: data.len() as u32,
	})?;
	env.deposit_event(topics, data);
	Ok(())
}

/// The caller's Ethereum address (for logs): its account's address, zero for root.
pub fn caller_address(env: &impl Ext<T = Runtime>) -> Address {
	use pallet_revive::AddressMapper;
	let address = env
		.caller()
		.account_id()
		.map(<Runtime as pallet_revive::Config>::AddressMapper::to_address)
		.unwrap_or_default();
	Address::from(address.0)
}

/// An amount of the interface (`uint256`) as a balance, refused above `u128::MAX`.
pub fn balance(value: EvmU256) -> Result<Balance, Error> {
	Balance::try_from(value).map_err(|_| revert("amount above 2^128 wei"))
}

/// A balance as the interface's `uint256`.
pub fn evm_amount(value: Balance) -> EvmU256 {
	EvmU256::from(value)
}
