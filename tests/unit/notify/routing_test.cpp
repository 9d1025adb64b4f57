#include "notify/routing.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace orch::notify {
namespace {

config::Config configured() {
  config::Config c;
  c.notify.channels = {config::Channel::kLog, config::Channel::kEmail, config::Channel::kSlack};
  c.notify.smtp.host = "smtp.example";
  c.notify.smtp.from = "orch@example.com";
  c.notify.email_to = {"ops@example.com"};
  c.notify.slack_webhook_url = "https://hooks.slack.com/services/T/B/global-secret";
  return c;
}

RunEvent event(EventKind kind) {
  RunEvent e;
  e.kind = kind;
  e.run_id = RunId("run_1");
  e.team = TeamId{3};
  e.team_name = "West";
  return e;
}

TEST(Routing, ATeamsOwnRecipientsTakePrecedence) {
  RunEvent e = event(EventKind::kRunFailed);
  e.team_email_to = {"west@example.com", "lead@example.com"};
  e.team_slack_webhook = "https://hooks.slack.com/services/T/B/west-secret";
  auto deliveries = deliveries_for(e, configured());
  ASSERT_EQ(deliveries.size(), 2U);
  EXPECT_EQ(deliveries[0].record.channel, "email");
  EXPECT_EQ(deliveries[0].record.target, "west@example.com,lead@example.com");
  EXPECT_EQ(deliveries[1].record.channel, "slack");
  EXPECT_EQ(deliveries[1].record.target, "https://hooks.slack.com/***");
}

TEST(Routing, WithoutTeamRecipientsTheConfiguredOnes) {
  auto deliveries = deliveries_for(event(EventKind::kRunCompleted), configured());
  ASSERT_EQ(deliveries.size(), 2U);
  EXPECT_EQ(deliveries[0].record.target, "ops@example.com");
  EXPECT_EQ(deliveries[0].record.event, "run_completed");
  EXPECT_EQ(deliveries[0].record.run_id, RunId("run_1"));
}

TEST(Routing, StartsGoOnlyToTheLogByDefault) {
  config::Config c = configured();
  EXPECT_TRUE(deliveries_for(event(EventKind::kRunStarted), c).empty());
  EXPECT_TRUE(routed(c.notify, config::Channel::kLog, EventKind::kRunStarted));
}

TEST(Routing, NotifyEventsChoosesPerChannel) {
  config::Config c = configured();
  c.notify.events[config::Channel::kEmail] = {"team_failing"};
  auto failed = deliveries_for(event(EventKind::kRunFailed), c);
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0].record.channel, "slack");
  auto alert = deliveries_for(event(EventKind::kTeamFailing), c);
  EXPECT_EQ(alert.size(), 2U);
}

TEST(Routing, AChannelThatIsOffSendsNothingEvenToATeamsOwnHook) {
  config::Config c = configured();
  c.notify.channels = {config::Channel::kLog};
  RunEvent e = event(EventKind::kRunFailed);
  e.team_slack_webhook = "https://hooks.slack.com/services/T/B/west-secret";
  EXPECT_TRUE(deliveries_for(e, c).empty());
  // `notify test` asks for one channel whatever notify.channels says.
  EXPECT_EQ(deliveries_for(e, c, config::Channel::kSlack).size(), 1U);
}

TEST(Routing, NobodyToMailGivesNoDelivery) {
  config::Config c = configured();
  c.notify.email_to.clear();
  auto deliveries = deliveries_for(event(EventKind::kRunFailed), c);
  ASSERT_EQ(deliveries.size(), 1U);
  EXPECT_EQ(deliveries[0].record.channel, "slack");
}

TEST(Routing, EveryEventNameIsOneTheConfigurationAccepts) {
  auto names = config::event_names();
  for (EventKind kind :
       {EventKind::kRunStarted, EventKind::kRunCompleted, EventKind::kRunFailed,
        EventKind::kRunTimedOut, EventKind::kRunAbandoned, EventKind::kRunMissed,
        EventKind::kRunSkipped, EventKind::kTeamFailing, EventKind::kTeamRecovered}) {
    EXPECT_NE(std::find(names.begin(), names.end(), event_name(kind)), names.end())
        << event_name(kind);
  }
}

}  // namespace
}  // namespace orch::notify
