#include <iostream>
#include <memory>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "notify/routing.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/team_setup.h"
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

struct NotifyTestOptions {
  std::string channel;              // "email" or "slack"
  std::optional<std::string> team;  // the id as typed: that team's own recipients
};

// The test message to the team's (or the configured) recipients on the channel.
notify::RunEvent test_event(const RunTarget& target, SysTime now) {
  notify::RunEvent event;
  event.kind = notify::EventKind::kTest;
  event.team = target.team;
  event.team_name = target.name;
  event.status = "test";
  event.started_at = now;
  event.team_email_to = target.email_to;
  event.team_slack_webhook = target.slack_webhook;
  return event;
}

// Sent here and now, once, so the operator sees the server's own answer; recorded like any
// other delivery.
Status send_and_record(notify::Delivery& d, Database& db, const Clock& clock) {
  d.record.created_at = d.record.updated_at = clock.now();
  auto& store = db.notifications();
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
  return sent;
}

// Sends one test message now; exit 1 when it was not delivered (the reason is printed).
int notify_test(const config::Config& config, const NotifyTestOptions& options) {
  config::Channel channel =
      options.channel == "email" ? config::Channel::kEmail : config::Channel::kSlack;
  if (auto ok = check_configured(config, channel); !ok) {
    return fail(ok.error());
  }
  auto setup =
      set_up_team(config, {options.team, std::nullopt, channel, 1, Database::OpenMode::kExisting});
  if (!setup) {
    return fail(setup.error());
  }
  SystemClock clock;
  auto deliveries = notify::deliveries_for(test_event(setup->target, clock.now()), config, channel);
  if (deliveries.empty()) {
    return fail(invalid_argument(
        channel == config::Channel::kEmail
            ? "notify test: nobody to mail: set notify.email.to (NOTIFY_EMAIL_TO) or the "
              "team's --email"
            : "notify test: no webhook: set notify.slack.webhook_url (SLACK_WEBHOOK_URL) or the "
              "team's --slack-webhook"));
  }
  notify::Delivery& d = deliveries.front();
  if (Status sent = send_and_record(d, *setup->db, clock); !sent) {
    std::cerr << "error: the test " << options.channel << " to " << escape_controls(d.record.target)
              << " was not delivered: " << escape_controls(sent.error().message) << "\n";
    return kExitRunFailed;
  }
  std::cout << "sent: test " << options.channel << " to " << escape_controls(d.record.target)
            << "\n";
  return kExitOk;
}

}  // namespace

void add_notify_command(Command& app) {
  auto options = std::make_shared<NotifyTestOptions>();
  Command notify_cmd = app.subcommand("notify", "Check the notification set-up");
  notify_cmd.needs_subcommand();
  Command test_cmd = notify_cmd.subcommand("test", "Send a test message through one channel now");
  test_cmd.option("--channel", options->channel, "email or slack")
      .required()
      .one_of({"email", "slack"});
  test_cmd.option("--team", options->team,
                  "Use this team's own recipients (default: the configured ones)");
  test_cmd.runs([options](const Invocation& in) { return notify_test(in.config, *options); });
}

}  // namespace orch::cli
