//! Genesis presets: the initial state of a `development` chain (one validator) and of a
//! `local_testnet` (four validators).
//!
//! Both endow the well-known Substrate dev accounts (Alice … Ferdie and their stashes) and the
//! well-known Ethereum dev accounts (Alith, Baltathar, Charleth, Dorothy, Ethan), whose private
//! keys are public, so that an Ethereum wallet can use them at once.

use crate::{
	AccountId, BabeConfig, Balance, BalancesConfig, DaConfig, RuntimeGenesisConfig, SessionConfig,
	SessionKeys, StakingConfig, StorageConfig, SudoConfig, TechnicalMembershipConfig,
	BABE_GENESIS_EPOCH_CONFIG,
};
use alloc::{vec, vec::Vec};
use core::str::FromStr;
use frame_support::build_struct_json_patch;
use pallet_revive::AddressMapper;
use pallet_zg_staking::{Role, StakerStatus};
use serde_json::Value;
use sp_core::H160;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What each endowed account holds at genesis: one million $0G.
pub const ENDOWMENT: Balance = 1_000_000 * crate::ZG;

/// What each genesis validator bonds: one hundred thousand $0G.
pub const VALIDATOR_BOND: Balance = 100_000 * crate::ZG;
/// The least own bond of a validator.
pub const MIN_VALIDATOR_BOND: Balance = 10_000 * crate::ZG;
/// The least bond of a delegator.
pub const MIN_DELEGATOR_BOND: Balance = 100 * crate::ZG;
/// The least bond of each service role.
pub const MIN_ROLE_BOND: Balance = 1_000 * crate::ZG;
/// What each genesis DA signer bonds (the `DaSigner` role).
pub const DA_SIGNER_BOND: Balance = 2_000 * crate::ZG;
/// How many validators are elected each era.
pub const VALIDATOR_COUNT: u32 = 16;

/// The Ethereum dev accounts (the same as Moonbeam's and subxt's `eth::dev` signers).
pub const ETH_DEV_ACCOUNTS: [(&str, [u8; 20]); 5] = [
	("Alith", hex_literal::hex!("f24ff3a9cf04c71dbc94d0b566f7a27b94566cac")),
	("Baltathar", hex_literal::hex!("3cd0a705a2dc65e5b1e1205896baa2be8a07c6e0")),
	("Charleth", hex_literal::hex!("798d4ba9baf0064ec19eb4f0a1a45785ae9d6dfc")),
	("Dorothy", hex_literal::hex!("773539d4ac0e786233d90a233654ccee26a613d9")),
	("Ethan", hex_literal::hex!("ff64d3f6efe2317ee2807d223a0bdc4c0c49dfdb")),
];

/// The Substrate account of an Ethereum address: the address followed by twelve `0xEE` bytes.
///
/// pallet-revive maps such accounts to their address without any registration.
pub fn eth_account(address: [u8; 20]) -> AccountId {
	<crate::Runtime as pallet_revive::Config>::AddressMapper::to_fallback_account_id(&H160(address))
}

/// Every account endowed at genesis: the Substrate dev accounts, then the Ethereum ones.
pub fn endowed_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known()
		.map(|k| k.to_account_id())
		.chain(ETH_DEV_ACCOUNTS.iter().map(|(_, address)| eth_account(*address)))
		.collect()
}

/// The session keys of a dev validator, derived from its name (`//Alice` …).
fn session_keys(validator: Sr25519Keyring) -> SessionKeys {
	// Both keyrings know the same names, so the lookup always succeeds.
	let grandpa = Ed25519Keyring::from_str(validator.into()).unwrap_or(Ed25519Keyring::Alice);
	SessionKeys { babe: validator.public().into(), grandpa: grandpa.public().into() }
}

/// The endpoint of the worker of genesis DA signer `i`: the public API the testnet's scripts
/// start beside validator `i` (`http://127.0.0.1:8700` for Alice, 8701 for Bob, …).
fn da_endpoint(i: usize) -> Vec<u8> {
	alloc::format!("http://127.0.0.1:{}", 8700 + i).into_bytes()
}

/// The first state of a network: who validates with which session keys, who holds how much,
/// who signs DA blobs, and whether there is a sudo key.
pub struct NetworkGenesis {
	/// The validators' accounts (each bonds [`VALIDATOR_BOND`] and sits on the technical
	/// committee) with their session keys.
	pub validators: Vec<(AccountId, SessionKeys)>,
	/// The endowed accounts and their balances; each validator and DA signer must hold
	/// enough for its bond.
	pub endowed: Vec<(AccountId, Balance)>,
	/// The DA signers (each bonds [`DA_SIGNER_BOND`]) with their workers' public endpoints.
	/// Epoch 0's DA committee is drawn from them at genesis.
	pub da_signers: Vec<(AccountId, Vec<u8>)>,
	/// The sudo key; `None`: governed by referenda from the first block.
	pub root: Option<AccountId>,
}

impl NetworkGenesis {
	/// Why this genesis cannot start a working network, if it cannot: no validator or more
	/// than are elected ([`VALIDATOR_COUNT`]), DA signers too few to draw a committee from, or
	/// a DA endpoint longer than the pallet keeps.
	#[cfg(feature = "std")]
	pub fn check(&self) -> Result<(), alloc::string::String> {
		use alloc::format;
		use frame_support::traits::Get;
		let validators = self.validators.len() as u32;
		if validators == 0 || validators > VALIDATOR_COUNT {
			return Err(format!(
				"{validators} validators: a network starts with 1 to {VALIDATOR_COUNT} (more join \
				 later by bonding)"
			));
		}
		let signers = self.da_signers.len() as u32;
		let min_signers = crate::Da::min_candidates();
		if signers != 0 && signers < min_signers {
			return Err(format!(
				"{signers} DA signers: a DA committee is drawn from at least {min_signers} (or give \
				 none; signers can register later)"
			));
		}
		let max_endpoint: u32 = <crate::Runtime as pallet_zg_da::Config>::MaxEndpointLen::get();
		if let Some((who, _)) =
			self.da_signers.iter().find(|(_, url)| url.len() > max_endpoint as usize)
		{
			return Err(format!("DA signer {who}: the URL is longer than {max_endpoint} bytes"));
		}
		Ok(())
	}

	/// The genesis config patch of this network (what a chain spec's
	/// `genesis.runtimeGenesis.patch` holds).
	pub fn patch(self) -> Value {
		let NetworkGenesis { validators, endowed, da_signers, root } = self;
		let committee: Vec<AccountId> = validators.iter().map(|(a, _)| a.clone()).collect();
		let validator_stakers: Vec<_> = validators
			.iter()
			.map(|(a, _)| (a.clone(), VALIDATOR_BOND, StakerStatus::Validator(Default::default())))
			.collect();
		let session_keys: Vec<_> =
			validators.into_iter().map(|(a, keys)| (a.clone(), a, keys)).collect();
		// Every account created at genesis gets its Ethereum address from pallet-revive's
		// `AutoMapper` (the runtime's `OnNewAccount` hook), so none needs an explicit mapping.
		build_struct_json_patch!(RuntimeGenesisConfig {
			balances: BalancesConfig { balances: endowed },
			babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
			session: SessionConfig { keys: session_keys },
			staking: StakingConfig {
				validator_count: VALIDATOR_COUNT,
				min_validator_bond: MIN_VALIDATOR_BOND,
				min_delegator_bond: MIN_DELEGATOR_BOND,
				min_role_bonds: Role::ALL.iter().map(|r| (*r, MIN_ROLE_BOND)).collect::<Vec<_>>(),
				stakers: validator_stakers,
				role_bonds: da_signers
					.iter()
					.map(|(a, _)| (a.clone(), Role::DaSigner, DA_SIGNER_BOND))
					.collect::<Vec<_>>(),
			},
			storage: StorageConfig { price: crate::storage_params::DEFAULT_PRICE },
			da: DaConfig {
				params: pallet_zg_da::DaParams {
					seats: pallet_zg_da::DEFAULT_SEATS,
					price: crate::da_params::DEFAULT_PRICE,
				},
				signers: da_signers,
			},
			technical_membership: TechnicalMembershipConfig {
				// At most the committee's seats (50): the first validators.
				members: frame_support::BoundedVec::truncate_from(committee),
			},
			sudo: SudoConfig { key: root },
		})
	}
}

/// A genesis state of dev validators (`//Alice` …), the dev accounts endowed with
/// [`ENDOWMENT`] each. The validators are the technical committee. With at least four
/// validators (the fewest candidates a DA committee is drawn from), each is also a DA signer
/// whose worker is at [`da_endpoint`], and epoch 0's committee is drawn from them at genesis,
/// so that blobs can be dispersed from the first block.
fn genesis(validators: &[Sr25519Keyring], root: Option<AccountId>) -> Value {
	let da_signers = if validators.len() >= 4 {
		validators.iter().enumerate().map(|(i, v)| (v.to_account_id(), da_endpoint(i))).collect()
	} else {
		Vec::new()
	};
	NetworkGenesis {
		validators: validators.iter().map(|v| (v.to_account_id(), session_keys(*v))).collect(),
		endowed: endowed_accounts().into_iter().map(|a| (a, ENDOWMENT)).collect(),
		da_signers,
		root,
	}
	.patch()
}

/// `development`: Alice alone produces and finalizes blocks, and holds the sudo key.
pub fn development_config_genesis() -> Value {
	genesis(&[Sr25519Keyring::Alice], Some(Sr25519Keyring::Alice.to_account_id()))
}

/// `local_testnet`: Alice, Bob, Charlie and Dave validate, are DA signers and the technical
/// committee. No sudo key: the chain is governed by referenda from genesis.
pub fn local_testnet_genesis() -> Value {
	genesis(
		&[
			Sr25519Keyring::Alice,
			Sr25519Keyring::Bob,
			Sr25519Keyring::Charlie,
			Sr25519Keyring::Dave,
		],
		None,
	)
}

/// The JSON patch of a preset, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// The genesis config of preset `id`: its patch merged into the default config, as the node's
/// chain-spec builder does. For tests and tools (std only: not in the wasm runtime).
#[cfg(feature = "std")]
pub fn preset_config(id: &PresetId) -> Option<RuntimeGenesisConfig> {
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (k, v) in patch {
					merge(base.entry(k).or_insert(Value::Null), v);
				}
			},
			(base, patch) => *base = patch,
		}
	}
	let patch: Value = serde_json::from_slice(&get_preset(id)?).ok()?;
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).ok()?;
	merge(&mut config, patch);
	serde_json::from_value(config).ok()
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}
