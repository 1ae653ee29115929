//! Prometheus metrics of the compute role, kept with `prometheus-client` and served in the
//! OpenMetrics text format at `GET /metrics` (the worker's private API).
//!
//! | metric | type | what |
//! |---|---|---|
//! | `zg_compute_jobs_total{model,status}` | counter | requests that reached an engine, by outcome (`ok`, `error`) |
//! | `zg_compute_prompt_tokens_total` | counter | prompt tokens processed |
//! | `zg_compute_completion_tokens_total` | counter | tokens generated |
//! | `zg_compute_queue_depth` | gauge | requests waiting for or running in an engine |
//! | `zg_compute_tokens_per_second{model}` | gauge | generation speed of the model's last request |
//! | `zg_compute_request_seconds` | histogram | time spent in the engine per request |
//!
//! Requests refused before they reach an engine (bad JSON, unknown model, no budget) count
//! nowhere.

use prometheus_client::{
	encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
	metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
	registry::Registry,
};
use std::sync::atomic::AtomicU64;

/// Upper bounds of the request-seconds histogram buckets (`+Inf` is implicit).
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How a request that reached an engine ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobStatus {
	/// The engine answered.
	Ok,
	/// The engine failed.
	Error,
}

impl JobStatus {
	fn as_str(self) -> &'static str {
		match self {
			JobStatus::Ok => "ok",
			JobStatus::Error => "error",
		}
	}
}

impl EncodeLabelValue for JobStatus {
	fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
		std::fmt::Write::write_str(encoder, self.as_str())
	}
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct JobLabels {
	model: String,
	status: JobStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ModelLabel {
	model: String,
}

/// The compute metrics. Cheap to update from any thread.
pub struct Metrics {
	registry: Registry,
	jobs: Family<JobLabels, Counter>,
	prompt_tokens: Counter,
	completion_tokens: Counter,
	queue_depth: Gauge,
	tokens_per_second: Family<ModelLabel, Gauge<f64, AtomicU64>>,
	request_seconds: Histogram,
}

impl Default for Metrics {
	fn default() -> Self {
		let mut registry = Registry::default();
		let jobs = Family::<JobLabels, Counter>::default();
		let prompt_tokens = Counter::default();
		let completion_tokens = Counter::default();
		let queue_depth = Gauge::default();
		let tokens_per_second = Family::<ModelLabel, Gauge<f64, AtomicU64>>::default();
		let request_seconds = Histogram::new(BUCKETS.into_iter());
		registry.register(
			"zg_compute_jobs",
			"Requests that reached an engine, by outcome",
			jobs.clone(),
		);
		registry.register(
			"zg_compute_prompt_tokens",
			"Prompt tokens processed",
			prompt_tokens.clone(),
		);
		registry.register(
			"zg_compute_completion_tokens",
			"Tokens generated",
			completion_tokens.clone(),
		);
		registry.register(
			"zg_compute_queue_depth",
			"Requests waiting for or running in an engine",
			queue_depth.clone(),
		);
		registry.register(
			"zg_compute_tokens_per_second",
			"Generation speed of the model's last request",
			tokens_per_second.clone(),
		);
		registry.register(
			"zg_compute_request_seconds",
			"Seconds spent in the engine per request",
			request_seconds.clone(),
		);
		Self {
			registry,
			jobs,
			prompt_tokens,
			completion_tokens,
			queue_depth,
			tokens_per_second,
			request_seconds,
		}
	}
}

/// Counts one request in `zg_compute_queue_depth` while it lives.
pub struct InQueue(Gauge);

impl Drop for InQueue {
	fn drop(&mut self) {
		self.0.dec();
	}
}

impl Metrics {
	/// Counts a request as queued (or running) until the returned guard is dropped.
	pub fn enqueue(&self) -> InQueue {
		self.queue_depth.inc();
		InQueue(self.queue_depth.clone())
	}

	/// Records a request that reached an engine: its outcome, its tokens and the seconds it
	/// spent in the engine.
	pub fn record(
		&self,
		model: &str,
		status: JobStatus,
		prompt_tokens: u32,
		completion_tokens: u32,
		seconds: f64,
	) {
		self.jobs.get_or_create(&JobLabels { model: model.to_string(), status }).inc();
		self.prompt_tokens.inc_by(u64::from(prompt_tokens));
		self.completion_tokens.inc_by(u64::from(completion_tokens));
		if status == JobStatus::Ok && completion_tokens > 0 && seconds > 0.0 {
			self.tokens_per_second
				.get_or_create(&ModelLabel { model: model.to_string() })
				.set(f64::from(completion_tokens) / seconds);
		}
		self.request_seconds.observe(seconds);
	}

	/// The number of jobs recorded for `model` with `status` (for tests and logs), read from
	/// the exposition so that asking does not create the series.
	pub fn jobs(&self, model: &str, status: JobStatus) -> u64 {
		let series =
			format!("zg_compute_jobs_total{{model=\"{model}\",status=\"{}\"}} ", status.as_str());
		self.render().lines().find_map(|line| line.strip_prefix(&series)?.parse().ok()).unwrap_or(0)
	}

	/// The OpenMetrics text exposition ([`CONTENT_TYPE`]).
	pub fn render(&self) -> String {
		let mut out = String::new();
		if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
			tracing::error!("cannot encode the metrics: {e}");
		}
		out
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn renders_counters_gauges_and_histogram() {
		let m = Metrics::default();
		let guard = m.enqueue();
		m.record("tiny", JobStatus::Ok, 5, 10, 2.0);
		m.record("other", JobStatus::Error, 3, 0, 0.01);
		let text = m.render();
		assert!(text.contains("zg_compute_jobs_total{model=\"tiny\",status=\"ok\"} 1"), "{text}");
		assert!(
			text.contains("zg_compute_jobs_total{model=\"other\",status=\"error\"} 1"),
			"{text}"
		);
		assert!(text.contains("zg_compute_prompt_tokens_total 8\n"));
		assert!(text.contains("zg_compute_completion_tokens_total 10\n"));
		assert!(text.contains("zg_compute_queue_depth 1\n"));
		assert!(text.contains("zg_compute_tokens_per_second{model=\"tiny\"} 5.0\n"), "{text}");
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"0.05\"} 1\n"), "{text}");
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"2.5\"} 2\n"));
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"+Inf\"} 2\n"));
		assert!(text.contains("zg_compute_request_seconds_count 2"));
		assert!(text.ends_with("# EOF\n"));
		drop(guard);
		assert!(m.render().contains("zg_compute_queue_depth 0\n"));
		assert_eq!(m.jobs("tiny", JobStatus::Ok), 1);
	}
}
