#include <string>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "orchestrator/store/soci_stores.h"

namespace orch {
namespace {

// Pruning removes only folders named by a run id (is_run_id): were the store to make ids of
// another form, old run folders would silently pile up.
TEST(RunId, TheStoresIdsAreRunIds) {
  for (int i = 0; i < 1000; ++i) {
    const std::string id = store::new_run_id();
    ASSERT_TRUE(is_run_id(id)) << id;
  }
}

TEST(RunId, OnlyTheStoresFormIsARunId) {
  EXPECT_TRUE(is_run_id("run_0123456789abcdef"));
  for (const char* other : {"", "run_", "run_0123456789abcde", "run_0123456789abcdef0",
                            "run_0123456789ABCDEF", "run_0123456789abcdeg", "Run_0123456789abcdef",
                            "before_run_0123456789abcdef", "run-0123456789abcdef"}) {
    EXPECT_FALSE(is_run_id(other)) << other;
  }
}

}  // namespace
}  // namespace orch
