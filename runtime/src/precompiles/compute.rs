//! `ICompute` (`precompiles/ICompute.sol`): fund a compute ledger, allocate to a provider and
//! submit verifiable jobs as the caller's own account; read ledgers, allocations and jobs.

use super::{
	address_read, balance, caller_address, charge_reads, dispatch, emit, evm_amount, map_read,
	revert,
};
use crate::{AccountId, Runtime, RuntimeCall};
use alloc::vec::Vec;
use core::num::NonZero;
use pallet_revive::precompiles::{
	alloy::{primitives::FixedBytes, sol, sol_types::SolCall},
	AddressMatcher, Error, Ext, Precompile, H160, H256,
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

impl Precompile for ComputePrecompile {
	type T = Runtime;
	type Interface = IComputeCalls;
	const MATCHER: AddressMatcher = AddressMatcher::Fixed(NonZero::new(0x0A03).unwrap());
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		super::refuse_value(env)?;
		match input {
			IComputeCalls::deposit(ICompute::depositCall { amount }) => {
				let amount = balance(*amount)?;
				dispatch(env, RuntimeCall::Compute(compute::Call::deposit { amount }))?;
				let who = caller_address(env);
				emit(env, &ICompute::Deposited { who, amount: evm_amount(amount) })?;
				Ok(Vec::new())
			},
			IComputeCalls::allocate(ICompute::allocateCall { provider, amount }) => {
				let amount = balance(*amount)?;
				let call =
					compute::Call::allocate { provider: AccountId::from(provider.0), amount };
				dispatch(env, RuntimeCall::Compute(call))?;
				let who = caller_address(env);
				let event =
					ICompute::Allocated { who, provider: *provider, amount: evm_amount(amount) };
				emit(env, &event)?;
				Ok(Vec::new())
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
				dispatch(env, RuntimeCall::Compute(call))?;
				let who = caller_address(env);
				let event = ICompute::RefundRequested {
					who,
					provider: *provider,
					amount: evm_amount(amount),
				};
				emit(env, &event)?;
				Ok(Vec::new())
			},
			IComputeCalls::withdraw(_) => {
				dispatch(env, RuntimeCall::Compute(compute::Call::withdraw {}))?;
				let who = caller_address(env);
				emit(env, &ICompute::Withdrawn { who })?;
				Ok(Vec::new())
			},
			IComputeCalls::challenge(ICompute::challengeCall { job }) => {
				dispatch(env, RuntimeCall::Compute(compute::Call::challenge { job: *job }))?;
				let challenger = caller_address(env);
				emit(env, &ICompute::Challenged { job: *job, challenger })?;
				Ok(Vec::new())
			},
			IComputeCalls::ledgerOf(ICompute::ledgerOfCall { who }) => {
				charge_reads(env, 2, map_read::<compute::Ledger>() + address_read())?;
				let who = env.to_account_id(&H160::from(who.0 .0));
				let free = compute::Ledgers::<Runtime>::get(&who).map_or(0, |l| l.free);
				Ok(ICompute::ledgerOfCall::abi_encode_returns(&evm_amount(free)))
			},
			IComputeCalls::allocationOf(ICompute::allocationOfCall { user, provider }) => {
				charge_reads(env, 2, map_read::<u128>() + 48 + address_read())?;
				let user = env.to_account_id(&H160::from(user.0 .0));
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
