#include "notify/message.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace orch::notify {
namespace {

RunEvent failed_run() {
  RunEvent e;
  e.kind = EventKind::kRunFailed;
  e.run_id = RunId("run_0123456789abcdef");
  e.team = TeamId{3};
  e.team_name = "West";
  e.status = "failed";
  e.triggered_by = "schedule";
  e.purchase_date = "2026-11-24";
  e.scheduled_for = parse_utc("2026-11-23T02:00:00Z").value();
  e.started_at = parse_utc("2026-11-23T02:00:00.200Z").value();
  e.completed_at = parse_utc("2026-11-23T02:01:23.612Z").value();
  e.duration_ms = 83412;
  e.total_loans = 120;
  e.exceptions_count = 4;
  e.exit_code = 2;
  e.error = "exit code 2";
  e.log_path = "/srv/out/sales_team_3/runs/run_0123456789abcdef/pipeline.log";
  return e;
}

TEST(EmailMessage, SubjectSortsByTeamAndOutcome) {
  EXPECT_EQ(email_subject(failed_run()), R"([orchestrator] team 3 "West" run failed)");
  RunEvent general = failed_run();
  general.team.reset();
  general.kind = EventKind::kRunTimedOut;
  EXPECT_EQ(email_subject(general), "[orchestrator] general run timed out");
}

TEST(EmailMessage, ANewlineInATeamNameCannotStartAnotherHeader) {
  RunEvent e = failed_run();
  e.team_name = "West\r\nBcc: everyone@example.com";
  EXPECT_EQ(email_subject(e).find('\n'), std::string::npos);
}

TEST(EmailMessage, BodyCarriesEveryFieldAPersonNeeds) {
  std::string body = email_body(failed_run());
  for (const char* line :
       {"Team: 3 \"West\"\n", "Run: run_0123456789abcdef\n", "Status: failed\n",
        "Purchase date: 2026-11-24\n", "Slot: 2026-11-23T02:00:00.000Z\n",
        "Started: 2026-11-23T02:00:00.200Z\n", "Ended: 2026-11-23T02:01:23.612Z\n",
        "Duration: 1 min 23.4 s\n", "Total loans: 120\n", "Exceptions: 4\n", "Error: exit code 2\n",
        "Log: /srv/out/sales_team_3/runs/run_0123456789abcdef/pipeline.log\n"}) {
    EXPECT_NE(body.find(line), std::string::npos) << line << body;
  }
}

TEST(SlackMessage, ShortTextAndKeyFields) {
  auto payload = nlohmann::json::parse(slack_payload(failed_run()));
  EXPECT_EQ(payload["text"], R"(team 3 "West" run failed (run_0123456789abcdef): exit code 2)");
  std::string blocks = payload["blocks"].dump();
  for (const char* field :
       {"*Total loans*\\n120", "*Exceptions*\\n4", "*Purchase date*\\n2026-11-24",
        "*Duration*\\n1 min 23.4 s", "*Log*\\n/srv/out"}) {
    EXPECT_NE(blocks.find(field), std::string::npos) << field << "\n" << blocks;
  }
  for (const auto& block : payload["blocks"]) {
    if (block.contains("fields")) {
      EXPECT_LE(block["fields"].size(), 10U);  // Slack's limit per section
    }
  }
}

TEST(SlackMessage, InvalidUtf8InAnErrorStillMakesValidJson) {
  RunEvent e = failed_run();
  e.error = "bad byte \xff here";
  auto payload = nlohmann::json::parse(slack_payload(e), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(payload.is_discarded());
  EXPECT_NE(payload["text"].get<std::string>().find("bad byte"), std::string::npos);
}

TEST(SlackMessage, ALongErrorIsCutWhereSlackWouldCutItAndTheMailKeepsIt) {
  RunEvent e = failed_run();
  e.error = std::string(20000, 'x');
  auto payload = nlohmann::json::parse(slack_payload(e));
  EXPECT_LT(payload["text"].get<std::string>().size(), 2000U);
  EXPECT_NE(payload["text"].get<std::string>().find("(cut;"), std::string::npos);
  for (const auto& block : payload["blocks"]) {
    if (block.contains("text")) {
      EXPECT_LT(block["text"]["text"].get<std::string>().size(), 3000U);
    }
  }
  EXPECT_NE(email_body(e).find(e.error), std::string::npos);
}

}  // namespace
}  // namespace orch::notify
