#include <utility>

#include "notify/notifier.h"

namespace orch::notify {
namespace {

class LogNotifier final : public Notifier {
 public:
  void notify(const RunEvent& event) override {
    log::write(log_level(event.kind), event_name(event.kind), event_fields(event));
  }
};

class FanoutNotifier final : public Notifier {
 public:
  explicit FanoutNotifier(std::vector<std::unique_ptr<Notifier>> channels)
      : channels_(std::move(channels)) {}

  void notify(const RunEvent& event) override {
    for (auto& channel : channels_) {
      channel->notify(event);
    }
  }
  void flush() override {
    for (auto& channel : channels_) {
      channel->flush();
    }
  }

 private:
  std::vector<std::unique_ptr<Notifier>> channels_;
};

}  // namespace

std::unique_ptr<Notifier> make_log_notifier() {
  return std::make_unique<LogNotifier>();
}

std::unique_ptr<Notifier> make_fanout_notifier(std::vector<std::unique_ptr<Notifier>> channels) {
  return std::make_unique<FanoutNotifier>(std::move(channels));
}

}  // namespace orch::notify
