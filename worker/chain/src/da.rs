//! The DA pallet as the worker and the `zg-da` CLI see it: blobs, committees, signers'
//! endpoints, fees, and the transactions a disperser signs.

use crate::{runtime::zg, Account, Chain, Included, TxError};
use anyhow::{anyhow, Result};
use scale_decode::DecodeAsType;
use subxt::{
	client::OnlineClientAtBlock,
	utils::{AccountId32, H256},
	PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;
use zg_primitives::{
	da::{holds, rotation, BlobLayout},
	Hash,
};

/// A blob's layout as the chain stores it.
#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainBlobLayout {
	pub size: u64,
	pub side: u16,
}

/// Where a blob is (`Da.Blobs` status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum ChainBlobStatus {
	/// Waiting for its quorum.
	Pending,
	/// Attested by a quorum in block `since`, kept until `until`.
	Available { since: u32, until: u32 },
}

/// A blob on chain (the fields the worker and the CLI use).
#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainBlob {
	pub disperser: Account,
	pub layout: ChainBlobLayout,
	pub epoch: u32,
	pub submitted_at: u32,
	pub attest_by: u32,
	pub status: ChainBlobStatus,
	pub attesters: Vec<u32>,
	pub attested_seats: u32,
}

impl ChainBlob {
	/// The layout as the primitives define it (checked: the chain only holds valid ones).
	pub fn layout(&self) -> Result<BlobLayout> {
		let layout = BlobLayout { size: self.layout.size, side: self.layout.side };
		layout.check().map_err(|e| anyhow!("the chain holds a bad layout: {e:?}"))?;
		Ok(layout)
	}

	/// Whether the blob is available.
	pub fn is_available(&self) -> bool {
		matches!(self.status, ChainBlobStatus::Available { .. })
	}
}

/// An epoch's committee (`Da.Committees`).
#[derive(Clone, Debug, PartialEq, Eq, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ChainCommittee {
	/// The members and how many seats each holds.
	pub members: Vec<(Account, u32)>,
	/// The member (index into `members`) of each seat.
	pub seats: Vec<u32>,
}

impl ChainCommittee {
	/// The index of `who` among the members.
	pub fn member_index(&self, who: &Account) -> Option<usize> {
		self.members.iter().position(|(m, _)| m == who)
	}

	/// The line indices member `member` holds of the blob `root` with `layout`, increasing.
	pub fn lines_of(&self, member: usize, root: &Hash, layout: &BlobLayout) -> Vec<u32> {
		let (seats, width) = (self.seats.len() as u32, layout.width());
		let turn = rotation(root, seats, width);
		let mine: Vec<u32> =
			(0..seats).filter(|s| self.seats[*s as usize] as usize == member).collect();
		(0..width).filter(|l| mine.iter().any(|s| holds(*s, seats, width, turn, *l))).collect()
	}

	/// The members holding line index `line` of the blob `root` with `layout`.
	pub fn holders_of(&self, line: u32, root: &Hash, layout: &BlobLayout) -> Vec<usize> {
		let (seats, width) = (self.seats.len() as u32, layout.width());
		let turn = rotation(root, seats, width);
		let mut out: Vec<usize> = (0..seats)
			.filter(|s| holds(*s, seats, width, turn, line))
			.map(|s| self.seats[s as usize] as usize)
			.collect();
		out.sort_unstable();
		out.dedup();
		out
	}
}

#[derive(Clone, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChainSigner {
	endpoint: Vec<u8>,
}

#[derive(Clone, Copy, Debug, DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
struct ChainDaParams {
	price: u128,
}

/// What a blob costs its disperser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DaFees {
	/// The fee by extended bytes, escrowed for the attesters.
	pub fee: u128,
	/// Paid to the treasury whatever becomes of the blob.
	pub submission_fee: u128,
	/// Escrowed while the blob is on chain, back at its end.
	pub deposit: u128,
}

/// A member's signature of a blob, as the disperser collects and submits it.
#[derive(
	Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, codec::DecodeWithMemTracking,
)]
pub struct SignedAttestation {
	/// The member.
	pub signer: Account,
	/// The epoch of its committee.
	pub epoch: u32,
	/// Its sr25519 signature of [`zg_primitives::da::attestation_payload`].
	pub signature: [u8; 64],
}

/// A blob as one block has it, with its epoch's committee.
#[derive(Clone, Debug)]
pub struct DaView {
	/// The block's number.
	pub number: u64,
	/// The blob, if that block holds it.
	pub blob: Option<ChainBlob>,
	/// Its epoch's committee, if the block holds the blob and the committee.
	pub committee: Option<ChainCommittee>,
}

/// The blob `root` and its committee at `at`.
async fn view_at(at: OnlineClientAtBlock<PolkadotConfig>, root: &Hash) -> Result<DaView> {
	let blob: Option<ChainBlob> =
		match at.storage().try_fetch(zg::storage().da().blobs(), (H256(root.0),)).await? {
			Some(value) => Some(value.decode_as()?),
			None => None,
		};
	let committee = match &blob {
		Some(blob) => {
			let addr = zg::storage().da().committees();
			match at.storage().try_fetch(addr, (blob.epoch,)).await? {
				Some(value) => Some(value.decode_as()?),
				None => None,
			}
		},
		None => None,
	};
	Ok(DaView { number: at.block_number(), blob, committee })
}

impl Chain {
	/// The blob `root` and its committee at the node's best block: what a signer checks a
	/// delivery against, so that a disperser can deliver as soon as its blob is included
	/// (rather than a finality later). A signature given on a block that is then retracted
	/// attests a submission that did not happen: it takes effect only if the same disperser
	/// submits the same root in a block of the same number; the signer signs only for a
	/// committee that is already final, so it then holds the lines it signed for.
	pub async fn da_view_best(&self, root: &Hash) -> Result<DaView> {
		view_at(self.at_best().await?, root).await
	}

	/// The blob `root` and its committee at the block that included `tx`.
	pub async fn da_view_included(&self, tx: &Included, root: &Hash) -> Result<DaView> {
		view_at(tx.at().await?, root).await
	}

	/// The blob committed under `root`, if on chain.
	pub async fn da_blob(&self, root: &Hash) -> Result<Option<ChainBlob>> {
		let at = self.at_finalized().await?;
		let addr = zg::storage().da().blobs();
		match at.storage().try_fetch(addr, (H256(root.0),)).await? {
			Some(value) => Ok(Some(value.decode_as()?)),
			None => Ok(None),
		}
	}

	/// The committee of `epoch`, if drawn and still on chain.
	pub async fn da_committee(&self, epoch: u32) -> Result<Option<ChainCommittee>> {
		let at = self.at_finalized().await?;
		let addr = zg::storage().da().committees();
		match at.storage().try_fetch(addr, (epoch,)).await? {
			Some(value) => Ok(Some(value.decode_as()?)),
			None => Ok(None),
		}
	}

	/// The current DA epoch (`Da.CurrentEpoch`).
	pub async fn da_epoch(&self) -> Result<u32> {
		let at = self.at_finalized().await?;
		Ok(at.storage().fetch(zg::storage().da().current_epoch(), ()).await?.decode()?)
	}

	/// The endpoint a DA signer registered, if registered.
	pub async fn da_endpoint(&self, signer: &Account) -> Result<Option<String>> {
		let at = self.at_finalized().await?;
		let addr = zg::storage().da().signers();
		match at.storage().try_fetch(addr, (AccountId32(*signer),)).await? {
			Some(value) => {
				let s: ChainSigner = value.decode_as()?;
				Ok(Some(String::from_utf8_lossy(&s.endpoint).trim_end_matches('/').to_string()))
			},
			None => Ok(None),
		}
	}

	/// What a blob of `layout` costs now.
	pub async fn da_fees(&self, layout: &BlobLayout) -> Result<DaFees> {
		let at = self.at_finalized().await?;
		let params: ChainDaParams =
			at.storage().fetch(zg::storage().da().params(), ()).await?.decode_as()?;
		let constants = zg::constants().da();
		Ok(DaFees {
			fee: (layout.extended_bytes() as u128).saturating_mul(params.price),
			submission_fee: at.constants().entry(constants.submission_fee())?,
			deposit: at.constants().entry(constants.disperser_deposit())?,
		})
	}

	/// Submits `Da.submit_blob` signed by `signer` and waits until it succeeded in the node's
	/// best block.
	pub async fn submit_blob(
		&self,
		signer: &Keypair,
		root: &Hash,
		layout: &BlobLayout,
		max_fee: u128,
	) -> Result<Included, TxError> {
		use zg::runtime_types::zg_primitives::da::BlobLayout as Layout;
		let layout = Layout { size: layout.size, side: layout.side };
		let call = zg::tx().da().submit_blob(H256(root.0), layout, max_fee);
		self.sign_and_include(signer, &call).await
	}

	/// Submits `Da.attest` with `attestations`, signed by `signer`, and waits until it
	/// succeeded in the node's best block ([`Included::finalized`] waits for finality).
	pub async fn attest_blob(
		&self,
		signer: &Keypair,
		root: &Hash,
		attestations: &[SignedAttestation],
	) -> Result<Included, TxError> {
		use zg::runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, pallet_zg_da::Attestation,
			sp_runtime::MultiSignature,
		};
		let batch = attestations
			.iter()
			.map(|a| Attestation {
				signer: AccountId32(a.signer),
				epoch: a.epoch,
				signature: MultiSignature::Sr25519(a.signature),
			})
			.collect();
		let call = zg::tx().da().attest(H256(root.0), BoundedVec(batch));
		self.sign_and_include(signer, &call).await
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use zg_primitives::da::seat_lines;

	/// The member-side deal is the pallet's: a member holds exactly its seats' lines
	/// (`seat_lines`), and the holders of a line are exactly the members holding it.
	#[test]
	fn lines_and_holders_are_the_seat_deal() {
		let root = Hash::repeat_byte(7);
		for (seats, size) in [(32u32, 16u64 << 20), (5, 3_000), (64, 1_000), (7, 32 << 20)] {
			let layout = BlobLayout::new(size).unwrap();
			let members: Vec<(Account, u32)> = (0..4u8).map(|m| ([m; 32], 0)).collect::<Vec<_>>();
			let deal: Vec<u32> = (0..seats).map(|s| (s * 7 + 3) % 4).collect();
			let committee = ChainCommittee { members, seats: deal.clone() };
			let turn = rotation(&root, seats, layout.width());
			for member in 0..4usize {
				let mut expected: Vec<u32> = (0..seats)
					.filter(|s| deal[*s as usize] as usize == member)
					.flat_map(|s| seat_lines(s, seats, layout.width(), turn))
					.collect();
				expected.sort_unstable();
				expected.dedup();
				let lines = committee.lines_of(member, &root, &layout);
				assert_eq!(lines, expected);
				for line in 0..layout.width() {
					let holds = committee.holders_of(line, &root, &layout).contains(&member);
					assert_eq!(holds, lines.contains(&line));
				}
			}
		}
	}
}
