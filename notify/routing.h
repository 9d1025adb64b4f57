#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "config/config.h"
#include "notify/delivery.h"
#include "notify/event.h"
#include "notify/mail_transport.h"
#include "notify/webhook_transport.h"

namespace orch::notify {

// Whether notify.events sends `event` to `channel` (kTest goes wherever it is sent).
bool routed(const config::NotifyConfig& notify, config::Channel channel, EventKind event);

// The transports deliveries go out through.
struct Transports {
  std::shared_ptr<MailTransport> mail;
  std::shared_ptr<WebhookTransport> webhook;
};

// The network plugin's transports, set up as `notify` says (notify.smtp; notify.slack's CA file
// and timeout).
Transports network_transports(const config::NotifyConfig& notify);

// The email and Slack deliveries `event` calls for: for each channel that is on (notify.channels)
// and routed the event (notify.events), one delivery to the team's own recipients when it has
// them (event.team_email_to, event.team_slack_webhook), else to the configured ones. A channel
// with nobody to send to gives none. With `only`, just that channel, whatever notify.events says
// (for `notify test`). Each delivery's attempt sends through `transports`.
std::vector<Delivery> deliveries_for(const RunEvent& event, const config::Config& config,
                                     const Transports& transports,
                                     std::optional<config::Channel> only = std::nullopt);

// The same through network_transports(config.notify).
std::vector<Delivery> deliveries_for(const RunEvent& event, const config::Config& config,
                                     std::optional<config::Channel> only = std::nullopt);

}  // namespace orch::notify
