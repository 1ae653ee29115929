//! `ICompute` (`precompiles/ICompute.sol`): fund a compute ledger, allocate to a provider and
//! submit verifiable jobs as the caller's own account; read ledgers, allocations and jobs.

use super::{
	account_of, act, address_id, address_read, balance, caller_address, charge_reads, dispatch,
	emit, evm_amount, map_read, revert, ZgPrecompile,
};
use crate::{AccountId, Runtime, RuntimeCall};
use alloc::vec::Vec;
use core::num::NonZero;
use pallet_revive::precompiles::{
	alloy::{primitives::FixedBytes, sol, sol_types::SolCall},
	Error, Ext, H256,
};
use pallet_zg_compute as compute;
use zg_primitives::compute::JobOutcome;

sol!("../precompiles/ICompute.sol");

use ICompute::IComputeCalls;

/// The compute precompile, at `0x000000000000000000000000000000000a030000`.
pub struct ComputePrecompile;

/// Submits a job and returns its id, the one the pallet gives the next job.
fn submit_job(
	env: &mut impl Ext<T = Runtime>,
	service: u64,
	input: compute::JobInput<Runtime>,
	max_tokens: u32,
	max_fee: u128,
) -> Result<Vec<u8>, Error> {
	charge_reads(env, 1, map_read::<u64>())?;
	let job = compute::NextJobId::<Runtime>::get();
	let call = compute::Call::submit_job { service, input, max_tokens, max_fee };
	dispatch(env, RuntimeCall::Compute(call))?;
	let user = caller_address(env);
	emit(env, &ICompute::JobSubmitted { job, user, service })?;
	Ok(ICompute::submitJobCall::abi_encode_returns(&job))
}

impl ZgPrecompile for ComputePrecompile {
	type Interface = IComputeCalls;
	const ID: NonZero<u16> = address_id(0x0A03);

	fn call(input: &Self::Interface, env: &mut impl Ext<T = Runtime>) -> Result<Vec<u8>, Error> {
		match input {
			IComputeCalls::deposit(ICompute::depositCall { amount }) => {
				let amount = balance(*amount)?;
				act(env, RuntimeCall::Compute(compute::Call::deposit { amount }), |who| {
					ICompute::Deposited { who, amount: evm_amount(amount) }
				})
			},
			IComputeCalls::allocate(ICompute::allocateCall { provider, amount }) => {
				let amount = balance(*amount)?;
				let call =
					compute::Call::allocate { provider: AccountId::from(provider.0), amount };
				act(env, RuntimeCall::Compute(call), |who| ICompute::Allocated {
					who,
					provider: *provider,
					amount: evm_amount(amount),
				})
			},
			IComputeCalls::submitJob(ICompute::submitJobCall {
				service,
				input,
				maxTokens,
				maxFee,
			}) => {
				let bytes = input
					.to_vec()
					.try_into()
					.map_err(|_| revert("input longer than the inline limit (MaxInputLen)"))?;
				let input = compute::JobInput::Inline(bytes);
				submit_job(env, *service, input, *maxTokens, balance(*maxFee)?)
			},
			IComputeCalls::submitStoredJob(ICompute::submitStoredJobCall {
				service,
				inputRoot,
				maxTokens,
				maxFee,
			}) => {
				let input = compute::JobInput::Stored(H256(inputRoot.0));
				submit_job(env, *service, input, *maxTokens, balance(*maxFee)?)
			},
			IComputeCalls::requestRefund(ICompute::requestRefundCall { provider, amount }) => {
				let amount = balance(*amount)?;
				let from = (*provider != FixedBytes::ZERO).then(|| AccountId::from(provider.0));
				let call = compute::Call::request_refund { provider: from, amount };
				act(env, RuntimeCall::Compute(call), |who| ICompute::RefundRequested {
					who,
					provider: *provider,
					amount: evm_amount(amount),
				})
			},
			IComputeCalls::withdraw(_) => {
				act(env, RuntimeCall::Compute(compute::Call::withdraw {}), |who| {
					ICompute::Withdrawn { who }
				})
			},
			IComputeCalls::challenge(ICompute::challengeCall { job }) => act(
				env,
				RuntimeCall::Compute(compute::Call::challenge { job: *job }),
				|challenger| ICompute::Challenged { job: *job, challenger },
			),
			IComputeCalls::ledgerOf(ICompute::ledgerOfCall { who }) => {
				charge_reads(env, 2, map_read::<compute::Ledger>() + address_read())?;
				let who = account_of(env, who);
				let free = compute::Ledgers::<Runtime>::get(&who).map_or(0, |l| l.free);
				Ok(ICompute::ledgerOfCall::abi_encode_returns(&evm_amount(free)))
			},
			IComputeCalls::allocationOf(ICompute::allocationOfCall { user, provider }) => {
				charge_reads(env, 2, map_read::<u128>() + 48 + address_read())?;
				let user = account_of(env, user);
				let amount =
					compute::Allocations::<Runtime>::get(&user, AccountId::from(provider.0));
				Ok(ICompute::allocationOfCall::abi_encode_returns(&evm_amount(amount)))
			},
			IComputeCalls::jobOf(ICompute::jobOfCall { job }) => {
				charge_reads(env, 1, map_read::<compute::Job<Runtime>>())?;
				let mut ret = ICompute::jobOfReturn {
					status: 0,
					provider: FixedBytes::ZERO,
					maxFee: evm_amount(0),
					due: 0,
					refused: false,
					outputHash: FixedBytes::ZERO,
					inputTokens: 0,
					outputTokens: 0,
					fee: evm_amount(0),
				};
				if let Some(job) = compute::Jobs::<Runtime>::get(job) {
					ret.status = match job.status {
						compute::JobStatus::Pending => 1,
						compute::JobStatus::Answered => 2,
						compute::JobStatus::Disputed => 3,
					};
					ret.provider = FixedBytes(*job.provider.as_ref());
					ret.maxFee = evm_amount(job.max_fee);
					ret.due = job.due;
					if let Some(result) = job.result {
						ret.fee = evm_amount(result.fee);
						match result.outcome {
							JobOutcome::Output { output_hash, input_tokens, output_tokens } => {
								ret.outputHash = FixedBytes(output_hash.0);
								ret.inputTokens = input_tokens;
								ret.outputTokens = output_tokens;
							},
							JobOutcome::Refused(_) => ret.refused = true,
						}
					}
				}
				Ok(ICompute::jobOfCall::abi_encode_returns(&ret))
			},
		}
	}
}
