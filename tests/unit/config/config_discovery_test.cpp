// Which configuration file is read: --config, else $ORCHESTRATOR_CONFIG, else ./orchestrator.toml,
// else the system's (/etc/orchestrator/orchestrator.toml); each one found wins over the rest.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;

// Four candidate files, each giving api.listen a port of its own, and options naming them all.
struct Candidates {
  TempDir dir;
  LoadOptions options;

  Candidates() {
    write_file(dir / "given.toml", "[api]\nlisten = \"127.0.0.1:1\"\n");
    write_file(dir / "from_env.toml", "[api]\nlisten = \"127.0.0.1:2\"\n");
    write_file(dir / "work" / "orchestrator.toml", "[api]\nlisten = \"127.0.0.1:3\"\n");
    write_file(dir / "etc" / "orchestrator.toml", "[api]\nlisten = \"127.0.0.1:4\"\n");
    options.working_dir = dir / "work";
    options.config_path = dir / "given.toml";
    options.env = {{"ORCHESTRATOR_CONFIG", (dir / "from_env.toml").string()}};
    options.system_config = dir / "etc" / "orchestrator.toml";
  }

  // The port of the file read, and that file ("" for built-in defaults).
  std::pair<std::string, std::string> read() const {
    auto config = load(options);
    if (!config) {
      return {"error: " + config.error().message, ""};
    }
    return {config->api.listen.substr(config->api.listen.rfind(':') + 1),
            config->source_file ? config->source_file->string() : ""};
  }
};

TEST(ConfigDiscovery, TakesEachPlaceInTurn) {
  Candidates c;
  EXPECT_EQ(c.read(), std::make_pair(std::string("1"), (c.dir / "given.toml").string()));
  c.options.config_path.reset();
  EXPECT_EQ(c.read(), std::make_pair(std::string("2"), (c.dir / "from_env.toml").string()));
  c.options.env["ORCHESTRATOR_CONFIG"] = "";  // an empty variable counts as unset
  EXPECT_EQ(c.read(),
            std::make_pair(std::string("3"), (c.dir / "work" / "orchestrator.toml").string()));
  std::filesystem::remove(c.dir / "work" / "orchestrator.toml");
  EXPECT_EQ(c.read(),
            std::make_pair(std::string("4"), (c.dir / "etc" / "orchestrator.toml").string()));
  std::filesystem::remove(c.dir / "etc" / "orchestrator.toml");
  EXPECT_EQ(c.read(), std::make_pair(std::string("8080"), std::string()));
}

TEST(ConfigDiscovery, RefusesAMissingFileTheVariableNames) {
  Candidates c;
  c.options.config_path.reset();
  c.options.env["ORCHESTRATOR_CONFIG"] = "missing.toml";  // relative: to the working folder
  auto config = load(c.options);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "configuration: the file ORCHESTRATOR_CONFIG names, " +
                                        (c.dir / "work" / "missing.toml").string() +
                                        ", does not exist");
}

}  // namespace
}  // namespace orch::config
