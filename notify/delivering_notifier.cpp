#include <utility>

#include "notify/delivery_queue.h"
#include "notify/notifier.h"
#include "notify/routing.h"

namespace orch::notify {
namespace {

DeliveryQueueSettings queue_settings(const config::NotifyConfig& notify) {
  DeliveryQueueSettings s;
  s.capacity = static_cast<std::size_t>(notify.queue_size);
  s.max_attempts = notify.retry.max_attempts;
  s.initial_delay = notify.retry.initial_delay;
  s.max_delay = notify.retry.max_delay;
  return s;
}

// The log line now (filtered by notify.events), the network channels through the queue.
class DeliveringNotifier final : public Notifier {
 public:
  DeliveringNotifier(const config::Config& config, DeliveryRecorder* recorder, const Clock& clock)
      : config_(config),
        log_(make_log_notifier()),
        transports_(network_transports(config.notify)),
        queue_(queue_settings(config.notify), recorder, clock) {}

  void notify(const RunEvent& event) override {
    if (routed(config_.notify, config::Channel::kLog, event.kind)) {
      log_->notify(event);
    }
    for (auto& delivery : deliveries_for(event, config_, transports_)) {
      queue_.push(std::move(delivery));
    }
  }

  void flush() override {
    queue_.drain(std::chrono::duration_cast<std::chrono::milliseconds>(config_.notify.stop_grace));
  }

 private:
  const config::Config& config_;
  std::unique_ptr<Notifier> log_;
  const Transports transports_;
  DeliveryQueue queue_;
};

}  // namespace

std::unique_ptr<Notifier> make_notifier(const config::Config& config, DeliveryRecorder* recorder,
                                        const Clock& clock) {
  return std::make_unique<DeliveringNotifier>(config, recorder, clock);
}

}  // namespace orch::notify
