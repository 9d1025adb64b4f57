#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "notify/delivery.h"
#include "notify/notifier.h"
#include "orchestrator/api/prometheus_text.h"

namespace orch::api {

// What this process saw happen: runs it ended, their durations and start delays, deliveries.
// Counters in the Prometheus sense: they start at 0 with the process, and across replicas they
// add up (sum by ...). Fed by the wrappers below; written by /metrics. Thread-safe.
class ServiceMetrics {
 public:
  static constexpr std::array<double, 12> kDurationBounds = {1,   5,   15,   30,   60,   120,
                                                             300, 600, 1800, 3600, 7200, 14400};
  static constexpr std::array<double, 11> kDelayBounds = {0.1, 0.5, 1,   2,   5,   10,
                                                          30,  60,  300, 900, 3600};

  void observe(const notify::RunEvent& event);
  void delivery_added(const notify::DeliveryRecord& record);
  void delivery_updated(const notify::DeliveryRecord& record);

  // orchestrator_runs_total, orchestrator_run_duration_seconds,
  // orchestrator_run_start_delay_seconds, orchestrator_notifications_total and
  // orchestrator_notification_queue_depth.
  void write(PrometheusText& out) const;

 private:
  template <std::size_t N>
  struct Histogram {
    std::array<std::uint64_t, N> buckets{};  // not cumulative: observations per bucket
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double value, const std::array<double, N>& bounds);
  };

  mutable std::mutex mutex_;
  // (team, pipeline, status, triggered_by)
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::uint64_t> runs_;
  std::map<std::pair<std::string, std::string>, Histogram<kDurationBounds.size()>> durations_;
  Histogram<kDelayBounds.size()> delays_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;  // (channel, status)
  std::int64_t queued_ = 0;
};

// A Notifier that counts each event in `metrics`, then hands it to `inner`. Both must outlive it.
std::unique_ptr<notify::Notifier> make_counting_notifier(notify::Notifier& inner,
                                                         ServiceMetrics& metrics);

// A DeliveryRecorder that counts deliveries in `metrics`, then records them with `inner` (which
// may be null: counted only). Both must outlive it.
std::unique_ptr<notify::DeliveryRecorder> make_counting_recorder(notify::DeliveryRecorder* inner,
                                                                 ServiceMetrics& metrics);

}  // namespace orch::api
