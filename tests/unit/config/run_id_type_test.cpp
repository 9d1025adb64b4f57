// RunId is the text of a run's id in a type of its own: it keeps its text, compares and hashes by
// it (so it keys ordered and unordered containers), and prints as it.
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <gtest/gtest.h>

#include "config/base/ids.h"

namespace orch {
namespace {

TEST(RunId, KeepsTheTextItWasMadeFrom) {
  const RunId id("run_0123456789abcdef");
  EXPECT_EQ(id.str(), "run_0123456789abcdef");
  EXPECT_FALSE(id.empty());
  EXPECT_TRUE(RunId().empty());
  EXPECT_EQ(RunId().str(), "");
}

TEST(RunId, ComparesByItsText) {
  EXPECT_EQ(RunId("run_a"), RunId("run_a"));
  EXPECT_NE(RunId("run_a"), RunId("run_b"));
  EXPECT_LT(RunId("run_a"), RunId("run_b"));
  EXPECT_LT(RunId(), RunId("run_a"));
}

TEST(RunId, KeysAnUnorderedContainer) {
  std::unordered_set<RunId> seen{RunId("run_a"), RunId("run_b"), RunId("run_a")};
  EXPECT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen.count(RunId("run_b")), 1U);
  EXPECT_EQ(seen.count(RunId("run_c")), 0U);
  std::unordered_map<RunId, int> by_id;
  by_id[RunId("run_a")] = 1;
  by_id[RunId("run_a")] += 1;
  EXPECT_EQ(by_id.at(RunId("run_a")), 2);
  EXPECT_EQ(std::hash<RunId>{}(RunId("run_a")), std::hash<RunId>{}(RunId("run_a")));
}

TEST(RunId, FormatsAsItsText) {
  const RunId id("run_00000000000000ff");
  EXPECT_EQ(to_string(id), "run_00000000000000ff");
  std::ostringstream out;
  out << "run " << id << ".";
  EXPECT_EQ(out.str(), "run run_00000000000000ff.");
}

}  // namespace
}  // namespace orch
