// The run vocabulary's names are what pipeline_runs stores and what users type and read: every
// status and trigger round-trips through its name, and an unknown name is refused with the list
// of the allowed ones.
#include "config/base/run_vocabulary.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(RunVocabularyTest, EveryStatusRoundTripsThroughItsOwnName) {
  std::set<std::string> names;
  for (RunStatus status : all_run_statuses()) {
    const std::string name = to_string(status);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name << " names two statuses";
    auto parsed = parse_run_status(name);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(*parsed, status) << name;
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_STREQ(to_string(RunStatus::kTimedOut), "timed_out");
  EXPECT_STREQ(to_string(RunStatus::kUpstreamFailed), "upstream_failed");
}

TEST(RunVocabularyTest, EveryTriggerRoundTripsThroughItsOwnName) {
  std::set<std::string> names;
  for (Trigger trigger : all_triggers()) {
    const std::string name = to_string(trigger);
    EXPECT_TRUE(names.insert(name).second) << name << " names two triggers";
    auto parsed = parse_trigger(name);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(*parsed, trigger) << name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"schedule", "catchup", "manual", "retry", "backfill"}));
}

TEST(RunVocabularyTest, AnUnknownNameIsRefusedWithTheAllowedOnes) {
  auto status = parse_run_status("done");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message,
            "status 'done' is not allowed: use one of running, completed, failed, timed_out, "
            "skipped, missed, interrupted, abandoned, waiting, missed_inputs, upstream_failed, "
            "cancelled");
  auto trigger = parse_trigger("cron");
  ASSERT_FALSE(trigger.has_value());
  EXPECT_EQ(trigger.error().message,
            "trigger 'cron' is not allowed: use one of schedule, catchup, manual, retry, backfill");
}

TEST(RunVocabularyTest, AFailureStreakCountsTheEndsThatFailed) {
  std::set<RunStatus> failures;
  for (RunStatus status : all_run_statuses()) {
    if (is_failure(status)) {
      failures.insert(status);
    }
  }
  EXPECT_EQ(failures,
            (std::set<RunStatus>{RunStatus::kFailed, RunStatus::kTimedOut, RunStatus::kInterrupted,
                                 RunStatus::kAbandoned, RunStatus::kMissedInputs}));
}

}  // namespace
}  // namespace orch
