//! `IDa` (`precompiles/IDa.sol`): commit blobs as the caller's own account; read a blob's
//! availability and the fee of one.

use super::{act, address_id, charge_reads, evm_amount, map_read, revert, revert_of, ZgPrecompile};
use crate::{Runtime, RuntimeCall};
use alloc::vec::Vec;
use core::num::NonZero;
use pallet_revive::precompiles::{
	alloy::{primitives::FixedBytes, sol, sol_types::SolCall},
	Error, Ext, H256,
};
use pallet_zg_da as da;
use zg_primitives::da::BlobLayout;

sol!("../precompiles/IDa.sol");

use IDa::IDaCalls;

/// The DA precompile, at `0x000000000000000000000000000000000A040000`.
pub struct DaPrecompile;

/// The layout of a blob of `size` bytes, refused when no blob can be that size.
fn layout(size: u64) -> Result<BlobLayout, Error> {
	BlobLayout::new(size).map_err(|e| revert(alloc::format!("invalid blob size: {e:?}")))
}

impl ZgPrecompile for DaPrecompile {
	type Interface = IDaCalls;
	const ID: NonZero<u16> = address_id(0x0A04);

	fn call(input: &Self::Interface, env: &mut impl Ext<T = Runtime>) -> Result<Vec<u8>, Error> {
		match input {
			IDaCalls::submitBlob(IDa::submitBlobCall { root, size, maxFee }) => {
				let call = da::Call::submit_blob {
					root: H256(root.0),
					layout: layout(*size)?,
					max_fee: super::balance(*maxFee)?,
				};
				act(env, RuntimeCall::Da(call), |disperser| IDa::BlobSubmitted {
					disperser,
					root: *root,
					size: *size,
				})
			},
			IDaCalls::isAvailable(IDa::isAvailableCall { root }) => {
				charge_reads(env, 1, map_read::<da::BlobInfo<Runtime>>())?;
				let available = da::Pallet::<Runtime>::is_available(H256(root.0));
				Ok(IDa::isAvailableCall::abi_encode_returns(&available))
			},
			IDaCalls::blobOf(IDa::blobOfCall { root }) => {
				charge_reads(env, 1, map_read::<da::BlobInfo<Runtime>>())?;
				let mut ret = IDa::blobOfReturn {
					status: 0,
					disperser: FixedBytes::ZERO,
					size: 0,
					epoch: 0,
					attestBy: 0,
					attestedSeats: 0,
					since: 0,
					until: 0,
				};
				if let Some(blob) = da::Blobs::<Runtime>::get(H256(root.0)) {
					ret.status = 1;
					ret.disperser = FixedBytes(*blob.disperser.as_ref());
					ret.size = blob.layout.size;
					ret.epoch = blob.epoch;
					ret.attestBy = blob.attest_by;
					ret.attestedSeats = blob.attested_seats;
					if let da::BlobStatus::Available { since, until } = blob.status {
						ret.status = 2;
						ret.since = since;
						ret.until = until;
					}
				}
				Ok(IDa::blobOfCall::abi_encode_returns(&ret))
			},
			IDaCalls::fee(IDa::feeCall { size }) => {
				charge_reads(env, 1, map_read::<da::DaParams>())?;
				let fee =
					da::Pallet::<Runtime>::fee(&layout(*size)?).map_err(|e| revert_of(e.into()))?;
				Ok(IDa::feeCall::abi_encode_returns(&evm_amount(fee)))
			},
		}
	}
}
