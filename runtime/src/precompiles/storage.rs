//! `IStorage` (`precompiles/IStorage.sol`): commit and renew files as the caller's own account;
//! read a file's state and the price of storing one.

use super::{
	act, address_id, balance, charge_reads, evm_amount, map_read, revert, revert_of, ZgPrecompile,
};
use crate::{Runtime, RuntimeCall};
use alloc::vec::Vec;
use core::num::NonZero;
use pallet_revive::precompiles::{
	alloy::{primitives::FixedBytes, sol, sol_types::SolCall},
	Error, Ext, H256,
};
use pallet_zg_storage as storage;
use zg_primitives::storage::FileLayout;

sol!("../precompiles/IStorage.sol");

use IStorage::IStorageCalls;

/// The storage precompile, at `0x000000000000000000000000000000000A020000`.
pub struct StoragePrecompile;

impl ZgPrecompile for StoragePrecompile {
	type Interface = IStorageCalls;
	const ID: NonZero<u16> = address_id(0x0A02);

	fn call(input: &Self::Interface, env: &mut impl Ext<T = Runtime>) -> Result<Vec<u8>, Error> {
		match input {
			IStorageCalls::submit(IStorage::submitCall {
				root,
				size,
				dataShards,
				parityShards,
				shardRoots,
				lifetime,
				maxFee,
			}) => {
				let call = storage::Call::submit {
					root: H256(root.0),
					size: *size,
					data_shards: *dataShards,
					parity_shards: *parityShards,
					shard_roots: shardRoots.iter().map(|r| H256(r.0)).collect(),
					lifetime: *lifetime,
					max_fee: balance(*maxFee)?,
				};
				act(env, RuntimeCall::Storage(call), |owner| IStorage::FileSubmitted {
					owner,
					root: *root,
					size: *size,
					lifetime: *lifetime,
				})
			},
			IStorageCalls::renew(IStorage::renewCall { root, extra, maxFee }) => {
				let call = storage::Call::renew {
					root: H256(root.0),
					extra: *extra,
					max_fee: balance(*maxFee)?,
				};
				act(env, RuntimeCall::Storage(call), |payer| IStorage::FileRenewed {
					payer,
					root: *root,
					extra: *extra,
				})
			},
			IStorageCalls::fileOf(IStorage::fileOfCall { root }) => {
				charge_reads(env, 1, map_read::<storage::FileInfo<Runtime>>())?;
				let ret = match storage::Files::<Runtime>::get(H256(root.0)) {
					None => IStorage::fileOfReturn {
						status: 0,
						owner: FixedBytes::ZERO,
						size: 0,
						expiresAt: 0,
						confirmedShards: 0,
						totalShards: 0,
						escrow: evm_amount(0),
					},
					Some(file) => IStorage::fileOfReturn {
						status: match file.status {
							storage::FileStatus::Assigning => 1,
							storage::FileStatus::Pending => 2,
							storage::FileStatus::Finalized => 3,
							storage::FileStatus::Degraded => 4,
						},
						owner: FixedBytes(*file.owner.as_ref()),
						size: file.layout.size,
						expiresAt: file.expires_at,
						confirmedShards: file.confirmed(),
						totalShards: file.layout.total_shards(),
						escrow: evm_amount(file.escrow()),
					},
				};
				Ok(IStorage::fileOfCall::abi_encode_returns(&ret))
			},
			IStorageCalls::fee(IStorage::feeCall { size, dataShards, parityShards, blocks }) => {
				charge_reads(env, 1, map_read::<u128>())?;
				let layout = FileLayout::new(*size, *dataShards, *parityShards)
					.map_err(|e| revert(alloc::format!("invalid layout: {e:?}")))?;
				let fee = storage::Pallet::<Runtime>::fee(&layout, *blocks)
					.map_err(|e| revert_of(e.into()))?;
				Ok(IStorage::feeCall::abi_encode_returns(&evm_amount(fee)))
			},
		}
	}
}
