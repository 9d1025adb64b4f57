// scripts/check_layering.sh, run on the repository and on small trees that break one rule each.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kScript = fs::path(ORCH_SOURCE_DIR) / "scripts" / "check_layering.sh";

// A tree holding a copy of the check and the files given, each with its text.
class LayeringCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "scripts");
    fs::copy_file(kScript, dir_ / "scripts" / "check_layering.sh");
  }

  void add(const std::string& file, const std::string& text) { write_file(dir_ / file, text); }

  CommandResult check() const {
    return run_command({"bash", (dir_ / "scripts" / "check_layering.sh").string()});
  }

  TempDir dir_;
};

TEST(LayeringCheckOnRepository, PassesOnTheSources) {
  auto result = run_command({"bash", kScript.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST_F(LayeringCheck, PassesOnAllowedEdges) {
  add("config/base/ids.h", "#include <vector>\n#include <date/date.h>\n");
  add("config/config.cpp", "#include \"config/base/ids.h\"\n#include <toml++/toml.h>\n");
  add("config/log/log.cpp", "#include <spdlog/spdlog.h>\n#include \"config/base/log.h\"\n");
  add("orchestrator/store/notification_store.h", "#include \"notify/delivery.h\"\n");
  add("orchestrator/api/http_server.cpp", "#include <boost/beast/http/read.hpp>\n");
  add("notify/net/plugin.cpp", "#include <Poco/Net/SMTPClientSession.h>\n");
  add("pipeline/launcher.cpp", "#include <sys/wait.h>\n#include <linux/landlock.h>\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST_F(LayeringCheck, RefusesALibraryTheFolderMayNotUse) {
  add("config/base/log.cpp", "#include <string>\n#include <spdlog/spdlog.h>\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "layering: config/base/log.cpp:2: <spdlog/spdlog.h> is not an allowed library "
            "('spdlog'; config/base/log.cpp may use the standard library and: date)\n");
}

TEST_F(LayeringCheck, RefusesAnEdgeUpTheLayers) {
  add("config/base/time.h", "#include \"config/config.h\"\n");
  add("orchestrator/schedule/next_fire.h", "#include \"orchestrator/store/records.h\"\n");
  add("notify/routing.cpp", "#include \"pipeline/run_context.h\"\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(lines_containing(result.err, "layering: ").size(), 3U) << result.err;
  EXPECT_EQ(lines_containing(result.err,
                             "layering: config/base/time.h:1: \"config/config.h\" is not an "
                             "allowed edge (config/base/ may include its own headers and: "
                             "nothing)")
                .size(),
            1U)
      << result.err;
  EXPECT_EQ(lines_containing(result.err,
                             "orchestrator/schedule/next_fire.h:1: "
                             "\"orchestrator/store/records.h\" is not an allowed edge "
                             "(orchestrator/schedule/ may include its own headers "
                             "and: config config/base)")
                .size(),
            1U)
      << result.err;
  EXPECT_EQ(lines_containing(result.err, "notify/routing.cpp:1: \"pipeline/run_context.h\"").size(),
            1U)
      << result.err;
}

// A sub-folder has its own row: notify/ may include notify/net/abi.h alone of the plugin's
// headers, and the plugin's Poco stays in notify/net/.
TEST_F(LayeringCheck, ChecksASubFolderByItsOwnRow) {
  add("notify/network_plugin.cpp",
      "#include \"notify/net/abi.h\"\n#include \"notify/net/transports.h\"\n#include "
      "<Poco/URI.h>\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(lines_containing(result.err, "layering: ").size(), 2U) << result.err;
  EXPECT_EQ(
      lines_containing(result.err, "\"notify/net/transports.h\" is not an allowed edge").size(), 1U)
      << result.err;
  EXPECT_EQ(lines_containing(result.err, "<Poco/URI.h> is not an allowed library ('poco'").size(),
            1U)
      << result.err;
}

TEST_F(LayeringCheck, KeepsBeastInTheServerFile) {
  add("orchestrator/api/http_api.cpp", "#include <boost/beast/http/read.hpp>\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(lines_containing(result.err,
                             "orchestrator/api/http_api.cpp:1: "
                             "<boost/beast/http/read.hpp> is not an allowed library "
                             "('beast'")
                .size(),
            1U)
      << result.err;
}

TEST_F(LayeringCheck, AsksForARowForANewFolder) {
  add("notify/email/transport.cpp", "#include <string>\n");
  add("config/odd.cpp", "#include <yaml-cpp/yaml.h>\n");
  auto result = check();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(lines_containing(result.err,
                             "layering: notify/email/transport.cpp: (folder "
                             "notify/email) has no row in scripts/check_layering.sh's "
                             "table")
                .size(),
            1U)
      << result.err;
  EXPECT_EQ(lines_containing(result.err,
                             "config/odd.cpp:1: <yaml-cpp/yaml.h> is not an allowed "
                             "library ('unknown: add it to library_of'")
                .size(),
            1U)
      << result.err;
}

}  // namespace
}  // namespace orch::testing
