//! The jobs of the node's offchain worker (`POST /compute/run` on the worker's private API).
//!
//! The first request for a job starts it in the background ([`JobAnswer::Started`]); the next
//! ones get [`JobAnswer::Running`] while it runs, then its [`RunResult`]: an output, or a
//! deterministic refusal ([`Refusal`]: the stored input is gone or too large, the model cannot
//! do the service's kind, the input is longer than the context) that every worker running the
//! same model reproduces. What the worker cannot do now (the model's weights are not the job's
//! `model_root`, the engine or its upstream fails, the stored input cannot be read) is
//! [`JobAnswer::Unavailable`]: the node then submits nothing, and a verifier abstains.
//!
//! A job runs greedily (temperature 0, seed 0) whatever the API's settings; its `max_tokens`
//! was accepted on chain under this provider's own service terms, so the API's cap does not
//! apply; input that is not UTF-8 is read lossily (deterministic, so verifiers get the same).

use crate::{service::Admitted, ComputeState};
use futures::future::BoxFuture;
use std::{
	sync::Arc,
	time::{Duration, Instant},
};
use zg_compute_engine::{GenerateParams, Refused};
use zg_primitives::{
	compute::{output_hash, JobOutcome, Refusal, RunInput, RunRequest, RunResult, ServiceKind},
	Hash,
};

/// The largest stored job input, in bytes.
pub const STORED_INPUT_LIMIT: u64 = 16 << 20;
/// How long a finished job's result is kept for the node to collect.
const RESULT_TTL: Duration = Duration::from_secs(600);
/// What `--fault-outputs` appends to the output of a job that is not a verification.
pub const FAULT_SUFFIX: &str = " [fault injected]";

/// Why a stored file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
	/// The file is not (or no longer) on chain: a deterministic refusal.
	Missing,
	/// The file is larger than the limit: a deterministic refusal.
	TooLarge,
	/// It could not be read now (providers unreachable, chain down): try later.
	Unavailable(String),
}

/// Reads a stored file (a job input in 0G Storage) by its root, at most `limit` bytes.
pub type FetchFn =
	Arc<dyn Fn(Hash, u64) -> BoxFuture<'static, Result<Vec<u8>, FetchError>> + Send + Sync>;

/// A job on the worker: running, or done with its answer.
pub(crate) enum RunState {
	Running,
	Done { answer: Result<RunResult, String>, at: Instant },
}

/// Where a job stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobAnswer {
	/// This request started it.
	Started,
	/// It is running.
	Running,
	/// It is done: an output or a deterministic refusal.
	Done(RunResult),
	/// It cannot be run now: why.
	Unavailable(String),
}

impl ComputeState {
	/// Starts the job `request` in the background, or tells where it stands (see the module
	/// documentation). `fetch` reads stored inputs (`None`: this worker cannot).
	pub fn run_job(self: &Arc<Self>, request: RunRequest, fetch: Option<FetchFn>) -> JobAnswer {
		let key = (request.job, request.verify);
		{
			let Ok(mut runs) = self.runs.lock() else {
				return JobAnswer::Unavailable("poisoned".into());
			};
			runs.retain(
				|_, r| !matches!(r, RunState::Done { at, .. } if at.elapsed() > RESULT_TTL),
			);
			match runs.get(&key) {
				Some(RunState::Running) => return JobAnswer::Running,
				Some(RunState::Done { answer: Ok(result), .. }) => {
					return JobAnswer::Done(result.clone())
				},
				Some(RunState::Done { answer: Err(message), .. }) => {
					return JobAnswer::Unavailable(message.clone())
				},
				None => {
					runs.insert(key, RunState::Running);
				},
			}
		}
		let worker = self.clone();
		tokio::spawn(async move {
			let answer = worker.execute(fetch, request).await;
			if let Err(message) = &answer {
				tracing::warn!("job {}: cannot run it now: {message}", key.0);
			}
			if let Ok(mut runs) = worker.runs.lock() {
				runs.insert(key, RunState::Done { answer, at: Instant::now() });
			}
		});
		JobAnswer::Started
	}

	/// Runs one job deterministically: its result (an output or a refusal), or why it cannot
	/// be run now.
	async fn execute(
		self: &Arc<Self>,
		fetch: Option<FetchFn>,
		request: RunRequest,
	) -> Result<RunResult, String> {
		let model = String::from_utf8(request.model.clone())
			.map_err(|_| "the model id is not UTF-8".to_string())?;
		let engine = self
			.engines
			.get(&model)
			.cloned()
			.ok_or_else(|| format!("the model {model} is not served here"))?;
		if let Some(root) = engine.model_root() {
			if root != request.model_root.0 {
				return Err(format!(
					"the weights of {model} (0x{}) are not the job's model root (0x{})",
					hex::encode(root),
					hex::encode(request.model_root.0)
				));
			}
		}
		let can = match request.kind {
			ServiceKind::Inference | ServiceKind::Agent => engine.can_generate(),
			ServiceKind::FineTuning => false,
		};
		if !can {
			return Ok(refused(Refusal::WrongKind));
		}
		let input = match &request.input {
			RunInput::Inline(bytes) => bytes.clone(),
			RunInput::Stored(root) => {
				let fetch =
					fetch.ok_or_else(|| "this worker cannot read 0G Storage".to_string())?;
				match fetch(Hash::from(root.0), STORED_INPUT_LIMIT).await {
					Ok(bytes) => bytes,
					Err(FetchError::Missing) => return Ok(refused(Refusal::InputMissing)),
					Err(FetchError::TooLarge) => return Ok(refused(Refusal::InputTooLarge)),
					Err(FetchError::Unavailable(message)) => {
						return Err(format!("cannot read the input: {message}"))
					},
				}
			},
		};
		let prompt = String::from_utf8_lossy(&input).into_owned();
		let params = GenerateParams {
			max_tokens: request.max_tokens,
			temperature: 0.0,
			seed: 0,
			deterministic: true,
			stop: Vec::new(),
		};
		let fault =
			if request.verify { self.config.fault_votes } else { self.config.fault_outputs };
		let admitted = Admitted::job(self.clone(), engine, model.clone());
		let (result, _) =
			tokio::task::spawn_blocking(move || admitted.generate(&prompt, &params, &mut |_| true))
				.await
				.map_err(|e| e.to_string())?;
		let mut generation = match result {
			Ok(generation) => generation,
			Err(e) => match e.downcast_ref::<Refused>() {
				Some(Refused(refusal)) => {
					tracing::info!("job {}: the engine refuses it: {e:#}", request.job);
					return Ok(refused(*refusal));
				},
				None => return Err(format!("the engine failed: {e:#}")),
			},
		};
		if fault {
			generation.text.push_str(FAULT_SUFFIX);
		}
		tracing::info!(
			"job {} on {model}: {} + {} tokens{}",
			request.job,
			generation.prompt_tokens,
			generation.completion_tokens,
			if request.verify { " (verification)" } else { "" }
		);
		Ok(RunResult {
			outcome: JobOutcome::Output {
				output_hash: output_hash(generation.text.as_bytes()),
				input_tokens: generation.prompt_tokens,
				output_tokens: generation.completion_tokens,
			},
			output_root: None,
		})
	}
}

fn refused(refusal: Refusal) -> RunResult {
	RunResult { outcome: JobOutcome::Refused(refusal), output_root: None }
}
