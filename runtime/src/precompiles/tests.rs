//! The precompiles called through pallet-revive on the local testnet's genesis, as an Ethereum
//! account (Alith) calls them: what each call changes, the logs, the weight charged, and the
//! refusals (bad amounts, values, pallet errors) that change nothing.

use super::*;
use crate::{
	genesis_config_presets::{eth_account, ETH_DEV_ACCOUNTS},
	tests::ext_from_preset,
	Balances, Da, Revive, Staking, ZG,
};
use frame_support::traits::fungible::Inspect;
use pallet_revive::{
	precompiles::alloy::{
		primitives::{FixedBytes, U256},
		sol_types::{SolCall, SolError},
	},
	ExecConfig, TransactionLimits,
};
use pallet_zg_staking::WeightInfo as _;
use sp_core::H160;
use sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
use sp_keyring::Sr25519Keyring;

fn alith() -> (H160, AccountId) {
	let (_, address) = ETH_DEV_ACCOUNTS[0];
	(H160(address), eth_account(address))
}

/// What a call of a precompile gave: its output, whether it reverted, the revert's reason,
/// the weight it consumed and the logs it left.
struct Outcome {
	output: Vec<u8>,
	reverted: bool,
	reason: Option<String>,
	weight: Weight,
	logs: Vec<(H160, Vec<H256>)>,
}

/// Calls the precompile at `address` with `data` (and `value` wei) as `who`.
fn call(who: &AccountId, address: H160, data: Vec<u8>, value: u128) -> Outcome {
	frame_system::Pallet::<Runtime>::reset_events();
	let result = Revive::bare_call(
		RuntimeOrigin::signed(who.clone()),
		address,
		sp_core::U256::from(value),
		TransactionLimits::WeightAndDeposit {
			weight_limit: Weight::from_parts(500_000_000_000, 10 * 1024 * 1024),
			deposit_limit: 10 * ZG,
		},
		data,
		&ExecConfig::new_substrate_tx(),
	);
	let logs = frame_system::Pallet::<Runtime>::events()
		.into_iter()
		.filter_map(|r| match r.event {
			crate::RuntimeEvent::Revive(pallet_revive::Event::ContractEmitted {
				contract,
				topics,
				..
			}) => Some((contract, topics)),
			_ => None,
		})
		.collect();
	let value = result.result.expect("the call executes (a revert is a result, not an error)");
	let reverted = value.did_revert();
	let reason = reverted
		.then(|| pallet_revive::precompiles::alloy::sol_types::Revert::abi_decode(&value.data))
		.and_then(|r| r.ok())
		.map(|r| r.reason);
	Outcome { output: value.data, reverted, reason, weight: result.weight_consumed, logs }
}

/// The address pallet-revive calls `P` at.
fn address_of<P: ZgPrecompile>() -> H160 {
	H160(<Precompiled<P> as pallet_revive::precompiles::Precompile>::MATCHER.base_address())
}

fn staking_address() -> H160 {
	address_of::<StakingPrecompile>()
}

#[test]
fn the_addresses_are_the_documented_ones() {
	use hex_literal::hex;
	assert_eq!(staking_address().0, hex!("000000000000000000000000000000000a010000"));
	assert_eq!(
		address_of::<StoragePrecompile>().0,
		hex!("000000000000000000000000000000000a020000")
	);
	assert_eq!(
		address_of::<ComputePrecompile>().0,
		hex!("000000000000000000000000000000000a030000")
	);
	assert_eq!(address_of::<DaPrecompile>().0, hex!("000000000000000000000000000000000a040000"));
}

#[test]
fn an_ethereum_account_bonds_unbonds_and_reads_its_stake() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (alith_address, alith) = alith();
		let data = staking::IStaking::bondCall { value: U256::from(1_000 * ZG) }.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		assert!(!out.reverted, "bond: {:?}", out.reason);
		let ledger = pallet_zg_staking::Ledger::<Runtime>::get(&alith).expect("bonded");
		assert_eq!((ledger.active, ledger.total), (1_000 * ZG, 1_000 * ZG));
		// The benchmarked weight of the call is charged.
		let bench = <Runtime as pallet_zg_staking::Config>::WeightInfo::bond();
		assert!(out.weight.all_gte(bench), "{:?} charged, bond() is {bench:?}", out.weight);
		// One log, from the precompile, naming Alith.
		assert_eq!(out.logs.len(), 1);
		assert_eq!(out.logs[0].0, staking_address());
		assert_eq!(out.logs[0].1[1].as_bytes()[12..], alith_address.0);

		// A second bond adds to the first (bond_extra).
		let data = staking::IStaking::bondCall { value: U256::from(500 * ZG) }.abi_encode();
		assert!(!call(&alith, staking_address(), data, 0).reverted);
		let data = staking::IStaking::unbondCall { value: U256::from(200 * ZG) }.abi_encode();
		assert!(!call(&alith, staking_address(), data, 0).reverted);

		let data = staking::IStaking::stakeOfCall { who: alith_address.0.into() }.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		let stake = staking::IStaking::stakeOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(stake.active, U256::from(1_300 * ZG));
		assert_eq!(stake.total, U256::from(1_500 * ZG));
		assert_eq!(stake.unlocking, U256::from(200 * ZG));
	});
}

#[test]
fn a_refused_staking_call_reverts_with_the_pallet_error_and_changes_nothing() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (_, alith) = alith();
		let free = Balances::balance(&alith);
		let revert_of = |data: Vec<u8>, value: u128| {
			let out = call(&alith, staking_address(), data, value);
			assert!(out.reverted);
			assert!(out.logs.is_empty(), "no log from a refused call");
			out.reason.unwrap_or_default()
		};
		// Below the minimum bond.
		let data = staking::IStaking::bondCall { value: U256::from(1) }.abi_encode();
		assert_eq!(revert_of(data, 0), "Staking.BondTooSmall");
		// Unbonding without a bond.
		let data = staking::IStaking::unbondCall { value: U256::from(ZG) }.abi_encode();
		assert_eq!(revert_of(data, 0), "Staking.NotBonded");
		// An amount that no balance can be.
		let data = staking::IStaking::bondCall { value: U256::MAX }.abi_encode();
		assert_eq!(revert_of(data, 0), "amount above 2^128 wei");
		// A value sent along: the precompile would keep it.
		let data = staking::IStaking::bondCall { value: U256::from(1_000 * ZG) }.abi_encode();
		assert_eq!(revert_of(data, ZG), "0G precompiles take no value");
		// A view called with a value: the value would stay at the precompile's address.
		let data = staking::IStaking::stakeOfCall { who: [0u8; 20].into() }.abi_encode();
		assert_eq!(revert_of(data, ZG), "0G precompiles take no value");

		assert!(pallet_zg_staking::Ledger::<Runtime>::get(&alith).is_none(), "not bonded");
		assert_eq!(Balances::balance(&alith), free, "no balance moved");
	});
}

#[test]
fn calldata_that_matches_no_function_or_is_cut_short_is_refused() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (_, alith) = alith();
		for data in [vec![0xde, 0xad, 0xbe, 0xef], {
			let mut d = staking::IStaking::bondCall { value: U256::from(ZG) }.abi_encode();
			d.truncate(20);
			d
		}] {
			let result = Revive::bare_call(
				RuntimeOrigin::signed(alith.clone()),
				staking_address(),
				Default::default(),
				TransactionLimits::WeightAndDeposit {
					weight_limit: Weight::from_parts(100_000_000_000, 1024 * 1024),
					deposit_limit: ZG,
				},
				data,
				&ExecConfig::new_substrate_tx(),
			);
			let refused = result.result.map_or(true, |v| v.did_revert());
			assert!(refused, "bad calldata is refused");
		}
		assert!(pallet_zg_staking::Ledger::<Runtime>::get(&alith).is_none());
	});
}

#[test]
fn a_validator_can_be_delegated_to_and_read_back() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (alith_address, alith) = alith();
		let bob: [u8; 32] = Sr25519Keyring::Bob.to_account_id().into();
		let data = staking::IStaking::bondCall { value: U256::from(1_000 * ZG) }.abi_encode();
		assert!(!call(&alith, staking_address(), data, 0).reverted);
		// An account that is no validator candidate cannot be delegated to.
		let nobody = FixedBytes([7u8; 32]);
		let data = staking::IStaking::delegateCall { targets: vec![nobody] }.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		assert_eq!(out.reason.as_deref(), Some("Staking.NotValidator"));
		let data = staking::IStaking::delegateCall { targets: vec![FixedBytes(bob)] }.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		assert!(!out.reverted, "{:?}", out.reason);
		let data =
			staking::IStaking::delegationsOfCall { who: alith_address.0.into() }.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		let targets =
			staking::IStaking::delegationsOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(targets, vec![FixedBytes(bob)]);
		let data = staking::IStaking::activeEraCall {}.abi_encode();
		let out = call(&alith, staking_address(), data, 0);
		let era = staking::IStaking::activeEraCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(era, Staking::active_era());

		// A delegator cannot unbond below the minimum; chilled, it can, and rebond.
		let unbond = staking::IStaking::unbondCall { value: U256::from(950 * ZG) }.abi_encode();
		assert!(call(&alith, staking_address(), unbond.clone(), 0).reverted);
		let out = call(&alith, staking_address(), staking::IStaking::chillCall {}.abi_encode(), 0);
		assert!(!out.reverted, "{:?}", out.reason);
		assert!(pallet_zg_staking::Delegations::<Runtime>::get(&alith).is_none());
		assert!(!call(&alith, staking_address(), unbond, 0).reverted);
		let rebond = staking::IStaking::rebondCall { value: U256::from(100 * ZG) }.abi_encode();
		assert!(!call(&alith, staking_address(), rebond, 0).reverted);
		let ledger = pallet_zg_staking::Ledger::<Runtime>::get(&alith).unwrap();
		assert_eq!((ledger.active, ledger.total), (150 * ZG, 1_000 * ZG));
	});
}

#[test]
fn a_file_commitment_is_submitted_read_and_renewed() {
	use zg_primitives::storage::{file_root, FileLayout};
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (_, alith) = alith();
		let layout = FileLayout::new(4096, 2, 1).unwrap();
		let shards = vec![H256([1; 32]), H256([2; 32]), H256([3; 32])];
		let root = file_root(&layout, &shards);
		let shard_roots: Vec<FixedBytes<32>> = shards.iter().map(|s| FixedBytes(s.0)).collect();
		let lifetime = crate::storage_params::MIN_LIFETIME;
		let fee_call = storage::IStorage::feeCall {
			size: 4096,
			dataShards: 2,
			parityShards: 1,
			blocks: lifetime,
		};
		let out = call(&alith, address_of::<StoragePrecompile>(), fee_call.abi_encode(), 0);
		let fee = storage::IStorage::feeCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(fee, U256::from(crate::Storage::fee(&layout, lifetime).unwrap()));

		// A root that is not the shards' is refused by the pallet.
		let mut submit = storage::IStorage::submitCall {
			root: FixedBytes([9; 32]),
			size: 4096,
			dataShards: 2,
			parityShards: 1,
			shardRoots: shard_roots,
			lifetime,
			maxFee: fee,
		};
		let out = call(&alith, address_of::<StoragePrecompile>(), submit.abi_encode(), 0);
		assert_eq!(out.reason.as_deref(), Some("Storage.RootMismatch"));

		submit.root = FixedBytes(root.0);
		let out = call(&alith, address_of::<StoragePrecompile>(), submit.abi_encode(), 0);
		assert!(!out.reverted, "{:?}", out.reason);
		let file = pallet_zg_storage::Files::<Runtime>::get(root).expect("committed");
		assert_eq!(file.owner, alith, "the caller owns the file");
		assert_eq!(out.logs.len(), 1);

		let read = storage::IStorage::fileOfCall { root: FixedBytes(root.0) }.abi_encode();
		let out = call(&alith, address_of::<StoragePrecompile>(), read.clone(), 0);
		let state = storage::IStorage::fileOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(state.status, 1, "assigning");
		assert_eq!(state.owner, FixedBytes(*alith.as_ref()));
		assert_eq!((state.size, state.totalShards), (4096, 3));
		let expires = state.expiresAt;

		let renew =
			storage::IStorage::renewCall { root: FixedBytes(root.0), extra: 10, maxFee: fee };
		let out = call(&alith, address_of::<StoragePrecompile>(), renew.abi_encode(), 0);
		assert!(!out.reverted, "{:?}", out.reason);
		let out = call(&alith, address_of::<StoragePrecompile>(), read, 0);
		let state = storage::IStorage::fileOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(state.expiresAt, expires + 10);
	});
}

#[test]
fn a_compute_ledger_is_funded_and_a_job_to_an_unknown_service_is_refused() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (alith_address, alith) = alith();
		let data = compute::ICompute::depositCall { amount: U256::from(5 * ZG) }.abi_encode();
		let out = call(&alith, address_of::<ComputePrecompile>(), data, 0);
		assert!(!out.reverted, "{:?}", out.reason);
		let data = compute::ICompute::ledgerOfCall { who: alith_address.0.into() }.abi_encode();
		let out = call(&alith, address_of::<ComputePrecompile>(), data, 0);
		let free = compute::ICompute::ledgerOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(free, U256::from(5 * ZG));

		let next = pallet_zg_compute::NextJobId::<Runtime>::get();
		let data = compute::ICompute::submitJobCall {
			service: 999,
			input: b"hello".to_vec().into(),
			maxTokens: 8,
			maxFee: U256::from(ZG),
		}
		.abi_encode();
		let out = call(&alith, address_of::<ComputePrecompile>(), data, 0);
		assert!(out.reason.unwrap_or_default().starts_with("Compute."));
		assert_eq!(pallet_zg_compute::NextJobId::<Runtime>::get(), next, "no job");
		let data = compute::ICompute::jobOfCall { job: next }.abi_encode();
		let out = call(&alith, address_of::<ComputePrecompile>(), data, 0);
		let job = compute::ICompute::jobOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!(job.status, 0, "none");

		// Funds leave the ledger again: a refund, locked, then withdrawn (too early here).
		let refund = compute::ICompute::requestRefundCall {
			provider: FixedBytes::ZERO,
			amount: U256::from(2 * ZG),
		};
		let out = call(&alith, address_of::<ComputePrecompile>(), refund.abi_encode(), 0);
		assert!(!out.reverted, "{:?}", out.reason);
		assert_eq!(pallet_zg_compute::Ledgers::<Runtime>::get(&alith).unwrap().free, 3 * ZG);
		assert!(pallet_zg_compute::Refunds::<Runtime>::get(&alith).is_some());
		let out = call(
			&alith,
			address_of::<ComputePrecompile>(),
			compute::ICompute::withdrawCall {}.abi_encode(),
			0,
		);
		assert!(out.reason.unwrap_or_default().starts_with("Compute."), "still locked");
	});
}

#[test]
fn a_blob_commitment_is_submitted_and_not_yet_available() {
	ext_from_preset(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let (_, alith) = alith();
		let size = 1024 * 1024;
		let out =
			call(&alith, address_of::<DaPrecompile>(), da::IDa::feeCall { size }.abi_encode(), 0);
		let fee = da::IDa::feeCall::abi_decode_returns(&out.output).unwrap();
		let layout = zg_primitives::da::BlobLayout::new(size).unwrap();
		assert_eq!(fee, U256::from(Da::fee(&layout).unwrap()));

		let root = FixedBytes([5; 32]);
		let data = da::IDa::submitBlobCall { root, size, maxFee: fee }.abi_encode();
		let out = call(&alith, address_of::<DaPrecompile>(), data, 0);
		assert!(!out.reverted, "{:?}", out.reason);
		let blob = pallet_zg_da::Blobs::<Runtime>::get(H256(root.0)).expect("committed");
		assert_eq!(blob.disperser, alith);

		let out = call(
			&alith,
			address_of::<DaPrecompile>(),
			da::IDa::isAvailableCall { root }.abi_encode(),
			0,
		);
		assert!(!da::IDa::isAvailableCall::abi_decode_returns(&out.output).unwrap());
		let out = call(
			&alith,
			address_of::<DaPrecompile>(),
			da::IDa::blobOfCall { root }.abi_encode(),
			0,
		);
		let view = da::IDa::blobOfCall::abi_decode_returns(&out.output).unwrap();
		assert_eq!((view.status, view.size), (1, size));

		// The same root again is refused, and a size no blob can have too.
		let data = da::IDa::submitBlobCall { root, size, maxFee: fee }.abi_encode();
		assert!(call(&alith, address_of::<DaPrecompile>(), data, 0)
			.reason
			.unwrap()
			.starts_with("Da."));
		let data = da::IDa::submitBlobCall { root: FixedBytes([6; 32]), size: 0, maxFee: fee }
			.abi_encode();
		let reason = call(&alith, address_of::<DaPrecompile>(), data, 0).reason.unwrap();
		assert!(reason.starts_with("invalid blob size"), "{reason}");
	});
}
