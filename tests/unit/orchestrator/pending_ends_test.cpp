#include "orchestrator/core/pending_ends.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch {
namespace {

// Issue 13: bytes that are not UTF-8 (an error naming an odd file, a path) made the JSON library
// throw, and the end of a run that happened during an outage was lost.
TEST(PendingEnds, KeepsAnEndWhoseTextIsNotUtf8) {
  testing::TempDir dir;
  PendingEnds ends(dir / "pending");
  RunFinish end;
  end.run_id = RunId("run_00000000000000c1");
  end.status = RunStatus::kFailed;
  end.exit_code = 2;
  end.error = "cannot read loans\xff.csv";
  end.log_path = "/srv/out/\xfe/pipeline.log";
  end.completed_at = SysTime{std::chrono::seconds(1700000000)};
  ASSERT_TRUE(ends.keep(end));
  auto loaded = ends.load();
  ASSERT_EQ(loaded.size(), 1U);
  EXPECT_EQ(loaded[0].run_id, end.run_id);
  EXPECT_EQ(loaded[0].status, RunStatus::kFailed);
  EXPECT_EQ(loaded[0].exit_code, 2);
  EXPECT_EQ(loaded[0].error, "cannot read loans\xef\xbf\xbd.csv");
  EXPECT_EQ(loaded[0].completed_at, end.completed_at);
}

}  // namespace
}  // namespace orch
