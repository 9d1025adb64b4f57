// How a service tells the dead from the living: its own instance name, a local process that is
// gone or whose pid now belongs to another process, and when it must fence itself off.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "orchestrator/core/heartbeat.h"

namespace orch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Liveness, ThisProcessIsLocalAndAlive) {
  const std::string me = this_instance();
  EXPECT_TRUE(is_local_instance(me));
  EXPECT_FALSE(is_dead_local_instance(me));
  EXPECT_EQ(me.substr(0, me.find(':')), instance_host(me));
}

TEST(Liveness, AProcessThatExitedIsDead) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::_exit(0);
  }
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string host = instance_host(this_instance());
  EXPECT_TRUE(is_dead_local_instance(host + ":" + std::to_string(child) + ":1"));
  EXPECT_TRUE(is_dead_local_instance(host + ":" + std::to_string(child)));  // older form
}

// A pid given to another process since: the start time tells them apart.
TEST(Liveness, APidNowHeldByAnotherProcessIsDead) {
  const std::string me = this_instance();
  const auto last = me.rfind(':');
  const std::string start = me.substr(last + 1);
  const std::string other_start = start == "1" ? "2" : "1";
  EXPECT_TRUE(is_dead_local_instance(me.substr(0, last) + ":" + other_start));
  // Without a start time (an older row), a live pid is taken for alive.
  EXPECT_FALSE(is_dead_local_instance(me.substr(0, last)));
}

TEST(Liveness, AnotherHostsProcessIsNeverJudgedHere) {
  EXPECT_FALSE(is_local_instance("another-host.example:1:1"));
  EXPECT_FALSE(is_dead_local_instance("another-host.example:999999999:1"));
  EXPECT_FALSE(is_dead_local_instance("garbage"));
}

TEST(Fencing, OnlyOnADatabaseOtherHostsShareAndFromHalfTheHeartbeatTimeout) {
  const seconds timeout(20);
  EXPECT_FALSE(must_fence(Database::Reach::kAnyHost, milliseconds(9999), timeout));
  EXPECT_TRUE(must_fence(Database::Reach::kAnyHost, seconds(10), timeout));
  EXPECT_TRUE(must_fence(Database::Reach::kAnyHost, seconds(60), timeout));
  // Every service of a SQLite file is on this host and judged by its process: a long lock wait
  // never kills a run.
  EXPECT_FALSE(must_fence(Database::Reach::kThisHost, seconds(60), timeout));
}

}  // namespace
}  // namespace orch
