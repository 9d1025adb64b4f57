#pragma once

#include <memory>
#include <vector>

#include "config/base/clock.h"
#include "config/config.h"
#include "notify/delivery.h"
#include "notify/event.h"

namespace orch::notify {

// Tells people how runs went. notify() never blocks on a delivery and never throws: a channel
// that needs the network queues the event and delivers it in the background, so a run is never
// delayed or changed by its notifications. Thread-safe.
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void notify(const RunEvent& event) = 0;
  // Gives queued deliveries a short grace to go out; called once on a clean stop.
  virtual void flush() {}
};

// The log channel: one structured line per event (text or JSON, as the logger is set up);
// failures and alerts at error level, skips and misses at warn, the rest at info.
std::unique_ptr<Notifier> make_log_notifier();

// Sends each event to every notifier in turn.
std::unique_ptr<Notifier> make_fanout_notifier(std::vector<std::unique_ptr<Notifier>> channels);

// Every channel `config.notify` asks for: the log line of each event notify.events routes to the
// log, and the email and Slack deliveries of routing.h on a background DeliveryQueue (sized,
// retried and given a stop grace by config.notify), each recorded with `recorder` (may be null).
// flush() drains the queue within notify.stop_grace_seconds. `config`, `recorder` and `clock`
// must outlive it.
std::unique_ptr<Notifier> make_notifier(const config::Config& config, DeliveryRecorder* recorder,
                                        const Clock& clock);

}  // namespace orch::notify
