//! Prometheus metrics of the compute role, served as text at `GET /metrics`.
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

use std::{
	collections::BTreeMap,
	fmt::Write,
	sync::{
		atomic::{AtomicI64, Ordering},
		Arc, Mutex,
	},
};

/// Upper bounds of the request-seconds histogram buckets (`+Inf` is implicit).
const BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// How a request that reached an engine ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

#[derive(Default)]
struct Counters {
	jobs: BTreeMap<(String, JobStatus), u64>,
	prompt_tokens: u64,
	completion_tokens: u64,
	tokens_per_second: BTreeMap<String, f64>,
	buckets: [u64; BUCKETS.len()],
	seconds_sum: f64,
	seconds_count: u64,
}

/// The compute metrics. Cheap to update from any thread.
#[derive(Default)]
pub struct Metrics {
	counters: Mutex<Counters>,
	queue_depth: Arc<AtomicI64>,
}

/// Counts one request in `zg_compute_queue_depth` while it lives.
pub struct InQueue(Arc<AtomicI64>);

impl Drop for InQueue {
	fn drop(&mut self) {
		self.0.fetch_sub(1, Ordering::Relaxed);
	}
}

impl Metrics {
	/// Counts a request as queued (or running) until the returned guard is dropped.
	pub fn enqueue(&self) -> InQueue {
		self.queue_depth.fetch_add(1, Ordering::Relaxed);
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
		let Ok(mut c) = self.counters.lock() else { return };
		*c.jobs.entry((model.to_string(), status)).or_default() += 1;
		c.prompt_tokens += u64::from(prompt_tokens);
		c.completion_tokens += u64::from(completion_tokens);
		if status == JobStatus::Ok && completion_tokens > 0 && seconds > 0.0 {
			c.tokens_per_second.insert(model.to_string(), f64::from(completion_tokens) / seconds);
		}
		for (bucket, bound) in c.buckets.iter_mut().zip(BUCKETS) {
			if seconds <= bound {
				*bucket += 1;
			}
		}
		c.seconds_sum += seconds;
		c.seconds_count += 1;
	}

	/// The number of jobs recorded for `model` with `status` (for tests and logs).
	pub fn jobs(&self, model: &str, status: JobStatus) -> u64 {
		self.counters
			.lock()
			.map(|c| c.jobs.get(&(model.to_string(), status)).copied().unwrap_or(0))
			.unwrap_or(0)
	}

	/// The Prometheus text exposition (format 0.0.4).
	pub fn render(&self) -> String {
		let mut out = String::new();
		let Ok(c) = self.counters.lock() else { return out };
		// Writing to a String cannot fail.
		let _ = writeln!(
			out,
			"# HELP zg_compute_jobs_total Requests that reached an engine, by outcome.\n\
			 # TYPE zg_compute_jobs_total counter"
		);
		for ((model, status), n) in &c.jobs {
			let _ = writeln!(
				out,
				"zg_compute_jobs_total{{model=\"{}\",status=\"{}\"}} {n}",
				escape(model),
				status.as_str()
			);
		}
		let _ = writeln!(
			out,
			"# HELP zg_compute_prompt_tokens_total Prompt tokens processed.\n\
			 # TYPE zg_compute_prompt_tokens_total counter\n\
			 zg_compute_prompt_tokens_total {}\n\
			 # HELP zg_compute_completion_tokens_total Tokens generated.\n\
			 # TYPE zg_compute_completion_tokens_total counter\n\
			 zg_compute_completion_tokens_total {}\n\
			 # HELP zg_compute_queue_depth Requests waiting for or running in an engine.\n\
			 # TYPE zg_compute_queue_depth gauge\n\
			 zg_compute_queue_depth {}\n\
			 # HELP zg_compute_tokens_per_second Generation speed of the model's last request.\n\
			 # TYPE zg_compute_tokens_per_second gauge",
			c.prompt_tokens,
			c.completion_tokens,
			self.queue_depth.load(Ordering::Relaxed).max(0),
		);
		for (model, tps) in &c.tokens_per_second {
			let _ =
				writeln!(out, "zg_compute_tokens_per_second{{model=\"{}\"}} {tps}", escape(model));
		}
		let _ = writeln!(
			out,
			"# HELP zg_compute_request_seconds Seconds spent in the engine per request.\n\
			 # TYPE zg_compute_request_seconds histogram"
		);
		for (n, bound) in c.buckets.iter().zip(BUCKETS) {
			let _ = writeln!(out, "zg_compute_request_seconds_bucket{{le=\"{bound}\"}} {n}");
		}
		let _ = writeln!(
			out,
			"zg_compute_request_seconds_bucket{{le=\"+Inf\"}} {}\n\
			 zg_compute_request_seconds_sum {}\n\
			 zg_compute_request_seconds_count {}",
			c.seconds_count, c.seconds_sum, c.seconds_count
		);
		out
	}
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape(value: &str) -> String {
	value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn renders_counters_gauges_and_histogram() {
		let m = Metrics::default();
		let guard = m.enqueue();
		m.record("tiny", JobStatus::Ok, 5, 10, 2.0);
		m.record("a\"b", JobStatus::Error, 3, 0, 0.01);
		let text = m.render();
		assert!(text.contains("zg_compute_jobs_total{model=\"tiny\",status=\"ok\"} 1"), "{text}");
		assert!(text.contains("zg_compute_jobs_total{model=\"a\\\"b\",status=\"error\"} 1"));
		assert!(text.contains("zg_compute_prompt_tokens_total 8\n"));
		assert!(text.contains("zg_compute_completion_tokens_total 10\n"));
		assert!(text.contains("zg_compute_queue_depth 1\n"));
		assert!(text.contains("zg_compute_tokens_per_second{model=\"tiny\"} 5\n"));
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"0.05\"} 1\n"));
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"2.5\"} 2\n"));
		assert!(text.contains("zg_compute_request_seconds_bucket{le=\"+Inf\"} 2\n"));
		assert!(text.contains("zg_compute_request_seconds_count 2"));
		drop(guard);
		assert!(m.render().contains("zg_compute_queue_depth 0\n"));
		assert_eq!(m.jobs("tiny", JobStatus::Ok), 1);
	}
}
