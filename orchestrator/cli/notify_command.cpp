#include <iostream>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "notify/routing.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

// What the channel needs before a test can mean anything; the message names the setting.
Status check_configured(const config::Config& config, config::Channel channel) {
  const auto& notify = config.notify;
  if (channel == config::Channel::kEmail) {
    if (notify.smtp.host.empty()) {
      return invalid_argument("notify test: notify.smtp.host (SMTP_HOST) is not set");
    }
    if (notify.smtp.from.empty()) {
      return invalid_argument("notify test: notify.smtp.from (SMTP_FROM) is not set");
    }
  }
  return {};
}

}  // namespace

int notify_test(const config::Config& config, const NotifyTestOptions& options) {
  config::Channel channel =
      options.channel == "email" ? config::Channel::kEmail : config::Channel::kSlack;
  if (auto ok = check_configured(config, channel); !ok) {
    return fail(ok.error());
  }
  if (auto plugin = load_notify_plugin(config, channel); !plugin) {
    return fail(plugin.error());
  }
  auto team_id = parse_team_option(options.team);
  if (!team_id) {
    return fail(team_id.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto resolved = team_to_run(**db, config, *team_id, std::string(kDefaultPipeline));
  if (!resolved) {
    return fail(resolved.error());
  }
  SystemClock clock;
  notify::RunEvent event;
  event.kind = notify::EventKind::kTest;
  event.team = resolved->target.team;
  event.team_name = resolved->target.name;
  event.status = "test";
  event.started_at = clock.now();
  event.team_email_to = resolved->target.email_to;
  event.team_slack_webhook = resolved->target.slack_webhook;
  auto deliveries = notify::deliveries_for(event, config, channel);
  if (deliveries.empty()) {
    return fail(invalid_argument(
        channel == config::Channel::kEmail
            ? "notify test: nobody to mail: set notify.email.to (NOTIFY_EMAIL_TO) or the "
              "team's --email"
            : "notify test: no webhook: set notify.slack.webhook_url (SLACK_WEBHOOK_URL) or the "
              "team's --slack-webhook"));
  }
  // Sent here and now, once, so the operator sees the server's own answer; recorded like any
  // other delivery.
  notify::Delivery& d = deliveries.front();
  d.record.created_at = d.record.updated_at = clock.now();
  auto& store = (*db)->notifications();
  auto id = store.add(d.record);
  Status sent = d.attempt();
  d.record.attempts = 1;
  d.record.updated_at = clock.now();
  d.record.status = sent ? notify::DeliveryStatus::kSent : notify::DeliveryStatus::kFailed;
  if (sent) {
    d.record.sent_at = d.record.updated_at;
  } else {
    d.record.last_error = sent.error().message;
  }
  if (id) {
    d.record.id = *id;
    (void)store.update(d.record);
  }
  if (!sent) {
    std::cerr << "error: the test " << options.channel << " to " << escape_controls(d.record.target)
              << " was not delivered: " << escape_controls(sent.error().message) << "\n";
    return kExitRunFailed;
  }
  std::cout << "sent: test " << options.channel << " to " << escape_controls(d.record.target)
            << "\n";
  return kExitOk;
}

}  // namespace orch::cli
