#include <signal.h>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class StatusTest : public E2eTest {
 protected:
  // A `serve` killed with kill -9: it stays in service_instances, and `status` lists it silent.
  std::string killed_service() {
    auto service = serve();
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    std::string instance = instance_of(*service);
    service->send_signal(SIGKILL);
    service->wait(seconds(5));
    return instance;
  }

  static std::string instance_of(BackgroundProcess& service) {
    auto out = service.output();
    auto at = out.find("instance=");
    return at == std::string::npos ? "" : out.substr(at + 9, out.find(' ', at) - at - 9);
  }

  // Makes `instance` look silent for `age` (the row's heartbeat, as SQLite stores times).
  void age(const std::string& instance, hours age) {
    auto at = date::floor<std::chrono::milliseconds>(std::chrono::system_clock::now() - age);
    auto result = sqlite("UPDATE service_instances SET heartbeat_at = '" +
                         date::format("%FT%TZ", at) + "' WHERE instance = '" + instance + "'");
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  static std::string line_of(const std::string& text, const std::string& needle) {
    auto at = text.find(needle);
    if (at == std::string::npos) {
      return "";
    }
    auto start = text.rfind('\n', at);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       text.find('\n', at) - (start == std::string::npos ? 0 : start + 1));
  }

  std::string rows() { return sqlite("SELECT instance FROM service_instances").out; }
};

TEST_F(StatusTest, ForgetsServicesSilentForLongerThanAWeekAndSaysHowMany) {
  std::string gone = killed_service();
  std::string quiet = killed_service();
  ASSERT_FALSE(gone.empty());
  ASSERT_NE(gone, quiet);
  age(gone, hours(169));
  age(quiet, hours(167));

  auto status = orch({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\nforgot 1 service silent for more than 168 h "
                            "(scheduler.forget_silent_after_hours)\n"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(status.out.find(gone), std::string::npos) << status.out;
  EXPECT_NE(line_of(status.out, quiet).find(" silent "), std::string::npos) << status.out;
  EXPECT_EQ(rows(), quiet + "\n");

  // Nothing more to forget the next time.
  auto again = orch({"status"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.find("forgot"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find(quiet), std::string::npos) << again.out;
}

TEST_F(StatusTest, JsonSaysHowManyWereForgottenAndTheLimitIsConfigurable) {
  std::string gone = killed_service();
  std::string quiet = killed_service();
  age(gone, hours(3));
  age(quiet, hours(1));

  auto status = orch({"status", "--format", "json"}, {{"FORGET_SILENT_AFTER_HOURS", "2"}});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["forgotten_services"], 1);
  EXPECT_EQ(json["forget_silent_after_hours"], 2);
  EXPECT_EQ(json["live_services"], 0);
  ASSERT_EQ(json["services"].size(), 1u) << status.out;
  EXPECT_EQ(json["services"][0]["instance"], quiet);
  EXPECT_EQ(json["services"][0]["state"], "silent");

  auto none = orch({"status", "--format", "json"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out)["forgotten_services"], 0);
  EXPECT_EQ(rows(), quiet + "\n");
}

TEST_F(StatusTest, RefusesABadForgetSilentAfterHours) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);
  auto status = orch({"status"}, {{"FORGET_SILENT_AFTER_HOURS", "0"}});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_EQ(status.err,
            "error: configuration: scheduler.forget_silent_after_hours "
            "(FORGET_SILENT_AFTER_HOURS) = \"0\" is not allowed: use an integer from 1 to 87840\n");
}

}  // namespace
}  // namespace orch::testing
