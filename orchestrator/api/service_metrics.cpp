#include "orchestrator/api/service_metrics.h"

#include <algorithm>
#include <chrono>

namespace orch::api {
namespace {

using notify::EventKind;

// Every event that ends a run or records one that will not run: one count each.
bool ends_a_run(EventKind kind) {
  switch (kind) {
    case EventKind::kRunCompleted:
    case EventKind::kRunFailed:
    case EventKind::kRunTimedOut:
    case EventKind::kRunAbandoned:
    case EventKind::kRunMissed:
    case EventKind::kRunSkipped:
    case EventKind::kRunMissedInputs:
    case EventKind::kRunUpstreamFailed:
    case EventKind::kRunCancelled:
      return true;
    case EventKind::kRunStarted:
    case EventKind::kTeamFailing:
    case EventKind::kTeamRecovered:
    case EventKind::kTest:
      return false;
  }
  return false;
}

std::string team_label(const std::optional<TeamId>& team) {
  return team ? std::to_string(team->value) : "general";
}

template <std::size_t N>
std::array<std::uint64_t, N> cumulative(const std::array<std::uint64_t, N>& buckets) {
  std::array<std::uint64_t, N> out{};
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < N; ++i) {
    total += buckets[i];
    out[i] = total;
  }
  return out;
}

class CountingNotifier final : public notify::Notifier {
 public:
  CountingNotifier(notify::Notifier& inner, ServiceMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}
  void notify(const notify::RunEvent& event) override {
    metrics_.observe(event);
    inner_.notify(event);
  }
  void flush() override { inner_.flush(); }

 private:
  notify::Notifier& inner_;
  ServiceMetrics& metrics_;
};

class CountingRecorder final : public notify::DeliveryRecorder {
 public:
  CountingRecorder(notify::DeliveryRecorder* inner, ServiceMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}
  Result<std::int64_t> add(const notify::DeliveryRecord& record) override {
    metrics_.delivery_added(record);
    return inner_ != nullptr ? inner_->add(record) : Result<std::int64_t>(0);
  }
  Status update(const notify::DeliveryRecord& record) override {
    metrics_.delivery_updated(record);
    return inner_ != nullptr ? inner_->update(record) : Status{};
  }

 private:
  notify::DeliveryRecorder* inner_;
  ServiceMetrics& metrics_;
};

}  // namespace

template <std::size_t N>
void ServiceMetrics::Histogram<N>::observe(double value, const std::array<double, N>& bounds) {
  auto at = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  if (static_cast<std::size_t>(at) < N) {
    ++buckets[static_cast<std::size_t>(at)];
  }
  ++count;
  sum += value;
}

void ServiceMetrics::observe(const notify::RunEvent& event) {
  std::string team = team_label(event.team);
  // An event names its pipeline only when it is not `daily`.
  std::string pipeline = event.pipeline.empty() ? std::string(kDefaultPipeline) : event.pipeline;
  std::lock_guard lock(mutex_);
  if (event.kind == EventKind::kRunStarted && event.scheduled_for && event.started_at) {
    // How late a scheduled run started: a busy worker pool or a slow host shows here first.
    double late = std::chrono::duration<double>(*event.started_at - *event.scheduled_for).count();
    delays_.observe(std::max(0.0, late), kDelayBounds);
    return;
  }
  if (!ends_a_run(event.kind)) {
    return;
  }
  ++runs_[{team, pipeline, event.status, event.triggered_by}];
  if (event.duration_ms && event.started_at) {
    durations_[{team, pipeline}].observe(static_cast<double>(*event.duration_ms) / 1000.0,
                                         kDurationBounds);
  }
}

void ServiceMetrics::delivery_added(const notify::DeliveryRecord& record) {
  std::lock_guard lock(mutex_);
  if (record.status == notify::DeliveryStatus::kPending) {
    ++queued_;
  } else {
    ++deliveries_[{record.channel, notify::to_string(record.status)}];
  }
}

void ServiceMetrics::delivery_updated(const notify::DeliveryRecord& record) {
  if (record.status == notify::DeliveryStatus::kPending) {
    return;  // a retry to come: still queued
  }
  std::lock_guard lock(mutex_);
  queued_ = std::max<std::int64_t>(0, queued_ - 1);
  ++deliveries_[{record.channel, notify::to_string(record.status)}];
}

void ServiceMetrics::write(PrometheusText& out) const {
  std::lock_guard lock(mutex_);
  using Type = PrometheusText::Type;
  out.family("orchestrator_runs_total",
             "Runs this process ended or recorded without running, by outcome.", Type::kCounter);
  for (const auto& [key, count] : runs_) {
    const auto& [team, pipeline, status, trigger] = key;
    out.sample(
        "orchestrator_runs_total",
        {{"team", team}, {"pipeline", pipeline}, {"status", status}, {"triggered_by", trigger}},
        static_cast<double>(count));
  }
  out.family("orchestrator_run_duration_seconds",
             "How long the runs this process carried out took, start to end.", Type::kHistogram);
  for (const auto& [key, h] : durations_) {
    auto buckets = cumulative(h.buckets);
    out.histogram("orchestrator_run_duration_seconds",
                  {{"team", key.first}, {"pipeline", key.second}}, kDurationBounds, buckets, h.sum,
                  h.count);
  }
  out.family("orchestrator_run_start_delay_seconds",
             "How long after its slot each scheduled run of this process started.",
             Type::kHistogram);
  auto delay_buckets = cumulative(delays_.buckets);
  out.histogram("orchestrator_run_start_delay_seconds", {}, kDelayBounds, delay_buckets,
                delays_.sum, delays_.count);
  out.family("orchestrator_notifications_total",
             "Email and webhook deliveries this process finished, by channel and outcome.",
             Type::kCounter);
  for (const auto& [key, count] : deliveries_) {
    out.sample("orchestrator_notifications_total", {{"channel", key.first}, {"status", key.second}},
               static_cast<double>(count));
  }
  out.family("orchestrator_notification_queue_depth",
             "Deliveries of this process waiting to go out or to be retried.", Type::kGauge);
  out.sample("orchestrator_notification_queue_depth", {}, static_cast<double>(queued_));
}

std::unique_ptr<notify::Notifier> make_counting_notifier(notify::Notifier& inner,
                                                         ServiceMetrics& metrics) {
  return std::make_unique<CountingNotifier>(inner, metrics);
}

std::unique_ptr<notify::DeliveryRecorder> make_counting_recorder(notify::DeliveryRecorder* inner,
                                                                 ServiceMetrics& metrics) {
  return std::make_unique<CountingRecorder>(inner, metrics);
}

}  // namespace orch::api
