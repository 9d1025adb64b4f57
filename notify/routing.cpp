#include "notify/routing.h"

#include <algorithm>

#include "notify/message.h"
#include "notify/webhook_redaction.h"

namespace orch::notify {
namespace {

bool is_on(const config::NotifyConfig& notify, config::Channel channel) {
  return std::find(notify.channels.begin(), notify.channels.end(), channel) !=
         notify.channels.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

DeliveryRecord record_for(const RunEvent& event, const char* channel, std::string target) {
  DeliveryRecord r;
  r.event = event_name(event.kind);
  r.channel = channel;
  r.target = std::move(target);
  r.team = event.team;
  r.run_id = event.run_id;
  return r;
}

}  // namespace

bool routed(const config::NotifyConfig& notify, config::Channel channel, EventKind event) {
  if (event == EventKind::kTest) {
    return true;
  }
  auto it = notify.events.find(channel);
  if (it == notify.events.end()) {
    return false;
  }
  return std::find(it->second.begin(), it->second.end(), event_name(event)) != it->second.end();
}

Transports network_transports(const config::NotifyConfig& notify) {
  return {make_smtp_mail_transport(notify.smtp),
          make_http_webhook_transport({notify.slack_ca_file, notify.slack_timeout})};
}

std::vector<Delivery> deliveries_for(const RunEvent& event, const config::Config& config,
                                     std::optional<config::Channel> only) {
  return deliveries_for(event, config, network_transports(config.notify), only);
}

std::vector<Delivery> deliveries_for(const RunEvent& event, const config::Config& config,
                                     const Transports& transports,
                                     std::optional<config::Channel> only) {
  const config::NotifyConfig& notify = config.notify;
  auto wanted = [&](config::Channel channel) {
    if (only) {
      return *only == channel;
    }
    return is_on(notify, channel) && routed(notify, channel, event.kind);
  };
  std::vector<Delivery> out;
  if (wanted(config::Channel::kEmail)) {
    const auto& to = event.team_email_to.empty() ? notify.email_to : event.team_email_to;
    if (!to.empty()) {
      Mail mail{notify.smtp.from, to, email_subject(event), email_body(event)};
      out.push_back({record_for(event, "email", join(to)),
                     [transport = transports.mail, mail] { return transport->send(mail); }});
    }
  }
  if (wanted(config::Channel::kSlack)) {
    const auto& url =
        event.team_slack_webhook.empty() ? notify.slack_webhook_url : event.team_slack_webhook;
    if (!url.empty()) {
      WebhookPost post{url, slack_payload(event)};
      out.push_back({record_for(event, "slack", redact_webhook(url)),
                     [transport = transports.webhook, post] { return transport->post(post); }});
    }
  }
  return out;
}

}  // namespace orch::notify
