// Pipelines as hostile tenants, through the built binary and its real Landlock sandbox: small
// shell scripts that try to reach another team's files, the general run's, the database and the
// configuration, by absolute and relative paths and through /proc. This machine's kernels have
// Landlock: without it these tests fail, unless ORCH_TEST_KERNEL_LACKS_LANDLOCK=1 says so.
#include <signal.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTeam2Input = "team2-input-secret-91c4";
constexpr const char* kTeam2Output = "team2-output-secret-0d7e";
constexpr const char* kTeam2Log = "team2-log-secret-6a55";
constexpr const char* kGeneralInput = "general-input-secret-4a2b";
constexpr const char* kGeneralOutput = "general-output-secret-e3f9";
constexpr const char* kDatabaseSecret = "victim-db-secret-5b1e";  // team 2's name, in the database
constexpr const char* kConfigSecret = "config-secret-c0f1";
constexpr const char* kTokenCanary = "api-token-canary-77d2";

// One attack: a name and a shell command that succeeds only if the attack worked.
struct Attempt {
  std::string name;
  std::string command;
};

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

// A pipeline that tries each attempt, records "NAME ok" or "NAME denied" in
// $OUTPUT_DIR/attempts, keeps whatever it got in $OUTPUT_DIR/loot and prints it, and exits 0.
std::string attack_script(const std::vector<Attempt>& attempts) {
  std::string script =
      "#!/bin/sh\n"
      "SERVICE_PID=$PPID; export SERVICE_PID  # the orchestrator\n"
      "try() { name=$1; shift\n"
      "  if sh -c \"$1\" >>\"$OUTPUT_DIR/loot\" 2>&1; then echo \"$name ok\"; "
      "else echo \"$name denied\"; fi >>\"$OUTPUT_DIR/attempts\"\n"
      "}\n";
  for (const Attempt& a : attempts) {
    std::string escaped;
    for (char c : a.command) {
      escaped += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    script += "try " + a.name + " '" + escaped + "'\n";
  }
  script += "cat \"$OUTPUT_DIR/loot\"\nexit 0\n";
  return script;
}

// Every file under `root` (symbolic links as "-> target"), by path relative to it.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path rel = fs::relative(it->path(), root);
    if (it->is_symlink()) {
      out[rel.string()] = "-> " + fs::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      out[rel.string()] = read_file(it->path());
    } else {
      out[rel.string()] = "(folder)";
    }
  }
  return out;
}

// Everything under `root` a reader can see, regular files followed through links.
std::string all_text_under(const fs::path& root) {
  std::string text;
  if (!fs::exists(root)) {
    return text;
  }
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_regular_file()) {
      text += it->path().string() + ":\n" + read_file(it->path()) + "\n";
    }
  }
  return text;
}

class IsolationTest : public E2eTest {
 protected:
  void SetUp() override {
    if (env_or_empty("ORCH_TEST_KERNEL_LACKS_LANDLOCK") == "1") {
      GTEST_SKIP() << "ORCH_TEST_KERNEL_LACKS_LANDLOCK=1: this kernel has no Landlock";
    }
    write_file(dir_ / "orchestrator.toml",
               "# " + std::string(kConfigSecret) + "\n[pipeline.env]\nEXTRA_SETTING = \"x\"\n");
    auto check = orch({"check-config"});
    ASSERT_EQ(check.exit_code, 0) << check.err;
    ASSERT_NE(check.out.find("# isolation: landlock (ABI "), std::string::npos)
        << "pipelines are not sandboxed on this machine (set ORCH_TEST_KERNEL_LACKS_LANDLOCK=1 "
           "only where the kernel lacks Landlock):\n"
        << check.out << check.err;
    abi_ = std::stoi(check.out.substr(check.out.find("(ABI ") + 5));

    add_team(1, "Attacker");
    add_team(2, kDatabaseSecret);
    write_file(team_inputs(1) / "mine.csv", "team 1's own\n");
    write_file(team_inputs(2) / "loans.csv", std::string(kTeam2Input) + "\n");
    write_file(dir_ / "inputs" / "files_required" / "general.csv",
               std::string(kGeneralInput) + "\n");
    publish(2, kTeam2Output, {"--team", "2"});
    publish(0, kGeneralOutput, {"--general"});
    publish(1, "team-1-first-report", {"--team", "1"});  // team 1's outputs exist: a link
    team2_inputs_before_ = snapshot(dir_ / "inputs" / "sales_team_2");
    team2_outputs_before_ = snapshot(team_outputs(2));
    general_inputs_before_ = snapshot(dir_ / "inputs" / "files_required");
    general_outputs_before_ = snapshot(dir_ / "outputs" / "output");
  }

  // A run of `owner` (0: the general run) whose pipeline publishes `content` as report.txt.
  void publish(int owner, const std::string& content, const std::vector<std::string>& target) {
    const fs::path script = dir_ / "bin" / ("publish" + std::to_string(owner) + ".sh");
    write_file(script, "#!/bin/sh\necho '" + content + "' > \"$OUTPUT_DIR/report.txt\"\n" +
                           "echo '" + content + "' > \"$OUTPUT_SHARE_DIR/report.txt\"\n" +
                           (owner == 2 ? "echo '" + std::string(kTeam2Log) + "'\n" : ""));
    fs::permissions(script, fs::perms::owner_all);
    std::vector<std::string> args{"run"};
    args.insert(args.end(), target.begin(), target.end());
    auto result = orch(args, {{"PIPELINE_COMMAND", script.string()}});
    ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  }

  // Runs `attempts` as the pipeline of `target` ("--team 1" or "--general"); returns each
  // attempt's result, "ok" or "denied".
  std::map<std::string, std::string> attack(const std::vector<Attempt>& attempts,
                                            const std::vector<std::string>& target = {"--team",
                                                                                      "1"},
                                            const std::map<std::string, std::string>& env = {}) {
    const fs::path script = dir_ / "bin" / "attack.sh";
    write_file(script, attack_script(attempts));
    fs::permissions(script, fs::perms::owner_all);
    std::map<std::string, std::string> run_env = env;
    run_env["PIPELINE_COMMAND"] = script.string();
    run_env["API_TOKEN"] = kTokenCanary;
    std::vector<std::string> args{"run"};
    args.insert(args.end(), target.begin(), target.end());
    last_ = orch(args, run_env);
    EXPECT_EQ(last_.exit_code, 0) << "the attacker's run did not complete:\n"
                                  << last_.out << last_.err;
    const bool general = target.front() == "--general";
    runs_filter_ = {"--team", general ? "general" : "1"};
    const std::string run_id = runs_json(runs_filter_)[0]["run_id"];  // newest first
    const fs::path owner_root = general ? dir_ / "outputs" : team_outputs(1);
    attacker_run_dir_ = owner_root / "runs" / run_id;
    std::map<std::string, std::string> results;
    std::istringstream lines(read_file(attacker_run_dir_ / "output" / "attempts"));
    for (std::string name, result; lines >> name >> result;) {
      results[name] = result;
    }
    EXPECT_EQ(results.size(), attempts.size()) << "not every attempt was made:\n"
                                               << read_file(attacker_run_dir_ / "pipeline.log");
    return results;
  }

  // What an attacker could have carried off: its team's outputs, run folders, manifests and
  // logs, its rows, and what the command printed.
  std::string attacker_view(const fs::path& owner_root) {
    std::vector<std::string> args{"runs", "--format", "json"};
    args.insert(args.end(), runs_filter_.begin(), runs_filter_.end());
    return all_text_under(owner_root) + orch(args).out + last_.out + last_.err;
  }

  void expect_denied(const std::map<std::string, std::string>& results) {
    for (const auto& [name, result] : results) {
      EXPECT_EQ(result, "denied") << name << " succeeded; the pipeline's log:\n"
                                  << read_file(attacker_run_dir_ / "pipeline.log");
    }
  }

  void expect_nothing_leaked(const fs::path& owner_root, const std::vector<std::string>& secrets) {
    const std::string seen = attacker_view(owner_root);
    for (const std::string& secret : secrets) {
      EXPECT_EQ(seen.find(secret), std::string::npos) << secret << " reached the attacker";
    }
  }

  // The general run's outputs are the attacker's own when it is the general run.
  enum class Attacker { kTeam1, kGeneralRun };
  void expect_victims_unchanged(Attacker attacker = Attacker::kTeam1) {
    EXPECT_EQ(snapshot(dir_ / "inputs" / "sales_team_2"), team2_inputs_before_);
    EXPECT_EQ(snapshot(team_outputs(2)), team2_outputs_before_);
    EXPECT_EQ(snapshot(dir_ / "inputs" / "files_required"), general_inputs_before_);
    if (attacker == Attacker::kTeam1) {
      EXPECT_EQ(snapshot(dir_ / "outputs" / "output"), general_outputs_before_);
    }
    EXPECT_EQ(read_file(dir_ / "orchestrator.toml"),
              "# " + std::string(kConfigSecret) + "\n[pipeline.env]\nEXTRA_SETTING = \"x\"\n");
    EXPECT_EQ(sqlite("pragma integrity_check;").out, "ok\n");
    const std::string db = read_file(dir_ / "orchestrator.db");
    EXPECT_EQ(db.find("pwned"), std::string::npos);
  }

  fs::path root() const { return dir_.path(); }
  fs::path general_inputs() const { return dir_ / "inputs" / "files_required"; }
  fs::path team2_tape() const { return team_inputs(2) / "loans.csv"; }

  int abi_ = 0;  // the kernel's Landlock ABI
  CommandResult last_;
  std::vector<std::string> runs_filter_{"--team", "1"};
  fs::path attacker_run_dir_;
  std::map<std::string, std::string> team2_inputs_before_;
  std::map<std::string, std::string> team2_outputs_before_;
  std::map<std::string, std::string> general_inputs_before_;
  std::map<std::string, std::string> general_outputs_before_;
};

const std::vector<std::string> kAllSecrets = {kTeam2Input,    kTeam2Output,    kGeneralInput,
                                              kGeneralOutput, kDatabaseSecret, kConfigSecret,
                                              kTokenCanary};

TEST_F(IsolationTest, ATeamCannotReadAnotherTeamsFilesByAnyPath) {
  const fs::path team2 = root() / "outputs" / "sales_team_2";
  auto results = attack({
      {"input_absolute", "cat " + quoted(team2_tape())},
      {"input_relative_to_input_dir",
       "cat " +
           quoted(team_inputs(1) / ".." / ".." / "sales_team_2" / "files_required" / "loans.csv")},
      {"input_folder_listing", "ls " + quoted(team_inputs(2))},
      {"output_absolute", "cat " + quoted(team2 / "output" / "report.txt")},
      {"output_share_absolute", "cat " + quoted(team2 / "output_share" / "report.txt")},
      // The working folder is outputs/sales_team_1/runs/<run_id>.
      {"output_relative_to_working_folder", "cat ../../../sales_team_2/output/report.txt"},
      {"logs_of_its_runs", "cat " + quoted(team2 / "runs") + "/*/pipeline.log"},
      {"runs_folder_listing", "ls " + quoted(team2 / "runs")},
      {"through_proc_root", "cat /proc/$SERVICE_PID/root" + quoted(team2_tape())},
      {"through_proc_cwd",
       "cat /proc/$SERVICE_PID/cwd/inputs/sales_team_2/files_required/loans.csv"},
  });
  expect_denied(results);
  expect_nothing_leaked(team_outputs(1), {kTeam2Input, kTeam2Output, kTeam2Log});
  expect_victims_unchanged();
}

TEST_F(IsolationTest, ATeamCannotReadTheGeneralRunTheDatabaseOrTheConfiguration) {
  auto results = attack({
      {"general_input", "cat " + quoted(root() / "inputs" / "files_required" / "general.csv")},
      {"general_input_relative",
       "cat " + quoted(team_inputs(1) / ".." / ".." / "files_required" / "general.csv")},
      {"general_output", "cat " + quoted(root() / "outputs" / "output" / "report.txt")},
      {"database_absolute", "cat " + quoted(root() / "orchestrator.db")},
      {"database_relative", "cat ../../../../orchestrator.db"},
      {"configuration_absolute", "cat " + quoted(root() / "orchestrator.toml")},
      {"configuration_relative", "cat ../../../../orchestrator.toml"},
      {"service_environment", "cat /proc/$SERVICE_PID/environ"},
      {"service_folder_listing", "ls " + quoted(root())},
  });
  expect_denied(results);
  expect_nothing_leaked(team_outputs(1), kAllSecrets);
  expect_victims_unchanged();
}

TEST_F(IsolationTest, ATeamWritesNothingOutsideItsRunFolder) {
  const std::string unique = "orch-isolation-" + dir_.path().filename().string();
  const fs::path team2 = root() / "outputs" / "sales_team_2";
  std::vector<Attempt> attempts = {
      {"team2_new_input", "echo pwned > " + quoted(team_inputs(2) / "evil.csv")},
      {"team2_input_appended", "echo pwned >> " + quoted(team2_tape())},
      {"team2_input_removed", "rm " + quoted(team2_tape())},
      {"team2_output", "echo pwned > " + quoted(team2 / "output" / "evil.txt")},
      {"team2_runs", "mkdir " + quoted(team2 / "runs" / "evil")},
      {"team2_output_relative", "echo pwned > ../../../sales_team_2/output/evil.txt"},
      {"general_input", "echo pwned > " + quoted(root() / "inputs" / "files_required" / "e.csv")},
      {"general_output", "echo pwned > " + quoted(root() / "outputs" / "output" / "evil.txt")},
      {"database", "echo pwned >> " + quoted(root() / "orchestrator.db")},
      {"configuration", "echo pwned >> " + quoted(root() / "orchestrator.toml")},
      {"own_published_output", "echo pwned > ../../output/evil.txt"},
      {"own_input_folder", "echo pwned > " + quoted(team_inputs(1) / "evil.csv")},
      {"own_input_file", "echo pwned >> " + quoted(team_inputs(1) / "mine.csv")},
      {"own_input_tree", "mkdir " + quoted(team_inputs(1) / ".." / "evil")},
      // INPUT_DIR is the run's snapshot of its inputs, hard links to the files above.
      {"snapshot_written_through", "echo pwned >> \"$INPUT_DIR/mine.csv\""},
      {"snapshot_added_to", "echo pwned > \"$INPUT_DIR/evil.csv\""},
      {"own_manifest", "echo pwned > \"$INPUT_MANIFEST\""},
      {"own_log", "echo pwned >> pipeline.log"},
      {"own_run_folder", "echo pwned > stray.txt"},
      {"tmp", "echo pwned > /tmp/" + unique},
      {"symlink_to_team2", "ln -s " + quoted(team2 / "output") + " \"$OUTPUT_DIR/team2\""},
      {"hard_link_to_team2", "ln " + quoted(team2_tape()) + " \"$OUTPUT_DIR/team2.csv\""},
  };
  if (abi_ >= 3) {  // before ABI 3 the kernel cannot refuse truncate(2)
    attempts.push_back({"team2_input_truncated", "truncate -s 0 " + quoted(team2_tape())});
  }
  if (abi_ >= 6) {  // signals are scoped from ABI 6 on
    attempts.push_back({"signal_the_service", "kill -TERM $SERVICE_PID"});
  }
  auto results = attack(attempts);
  expect_denied(results);
  expect_nothing_leaked(team_outputs(1), kAllSecrets);
  expect_victims_unchanged();
  EXPECT_FALSE(fs::exists(team_outputs(1) / "output" / "evil.txt"));
  EXPECT_FALSE(fs::exists(team_inputs(1) / "evil.csv"));
  EXPECT_EQ(read_file(team_inputs(1) / "mine.csv"), "team 1's own\n");
  EXPECT_FALSE(fs::exists(fs::path("/tmp") / unique));
  EXPECT_FALSE(fs::exists(attacker_run_dir_ / "stray.txt"));
  EXPECT_EQ(read_file(attacker_run_dir_ / "inputs.json").find("pwned"), std::string::npos);
  EXPECT_EQ(read_file(attacker_run_dir_ / "pipeline.log").find("pwned"), std::string::npos);
  EXPECT_EQ(runs_json({"--team", "1"})[0]["status"], "completed");
}

TEST_F(IsolationTest, TheGeneralRunCannotReadOrWriteATeamsFiles) {
  const fs::path team2 = root() / "outputs" / "sales_team_2";
  auto results = attack(
      {
          {"team_input_absolute", "cat " + quoted(team2_tape())},
          {"team_input_relative", "cat " + quoted(general_inputs() / ".." / "sales_team_2" /
                                                  "files_required" / "loans.csv")},
          {"team_inputs_listing",
           "ls " + quoted(general_inputs() / ".." / "sales_team_2" / "files_required")},
          {"team_output", "cat " + quoted(team2 / "output" / "report.txt")},
          {"team_output_relative", "cat ../../sales_team_2/output/report.txt"},
          {"team_input_written", "echo pwned >> " + quoted(team2_tape())},
          {"team_output_written", "echo pwned > " + quoted(team2 / "output" / "evil.txt")},
      },
      {"--general"});
  expect_denied(results);
  expect_nothing_leaked(root() / "outputs" / "output", {kTeam2Input, kTeam2Output, kTeam2Log});
  expect_nothing_leaked(root() / "outputs" / "runs", {kTeam2Input, kTeam2Output, kTeam2Log});
  expect_victims_unchanged(Attacker::kGeneralRun);
}

TEST_F(IsolationTest, ALinkInTheGeneralInputsDoesNotLetItReadATeamsFile) {
  fs::create_symlink(fs::path("..") / "sales_team_2" / "files_required" / "loans.csv",
                     dir_ / "inputs" / "files_required" / "linked.csv");
  const fs::path script = dir_ / "bin" / "general.sh";
  write_file(script,
             "#!/bin/sh\ncat \"$INPUT_DIR/linked.csv\" > \"$OUTPUT_DIR/copy.csv\" && echo READ\n"
             "exit 0\n");
  fs::permissions(script, fs::perms::owner_all);
  last_ = orch({"run", "--general"}, {{"PIPELINE_COMMAND", script.string()}});
  runs_filter_ = {"--team", "general"};
  // The run may be refused before its pipeline starts, or the pipeline refused the file: either
  // way, nothing of team 2 reaches the general run's folders, rows or output.
  expect_nothing_leaked(dir_ / "outputs" / "output", {kTeam2Input});
  expect_nothing_leaked(dir_ / "outputs" / "runs", {kTeam2Input});
  EXPECT_EQ(all_text_under(dir_ / "outputs" / "runs").find("READ\n"), std::string::npos);
}

TEST_F(IsolationTest, WithoutIsolationTheSameAttackSucceeds) {
  // The attacks above are real: with pipeline.isolation = "none" the kernel lets them through.
  auto results = attack({{"input_absolute", "cat " + quoted(team2_tape())}}, {"--team", "1"},
                        {{"PIPELINE_ISOLATION", "none"}});
  EXPECT_EQ(results["input_absolute"], "ok");
  EXPECT_NE(read_file(attacker_run_dir_ / "output" / "loot").find(kTeam2Input), std::string::npos);
}

TEST_F(IsolationTest, TheBundledExamplePipelineWorksInItsSandbox) {
  write_tape(team_inputs(1), 4, 1, today_utc_compact());
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", ORCH_EXAMPLE_PIPELINE}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto run = runs_json({"--team", "1"})[0];
  EXPECT_EQ(run["status"], "completed");
  EXPECT_EQ(run["total_loans"], 5);
  EXPECT_EQ(run["exceptions_count"], 1);
  EXPECT_FALSE(fs::is_empty(team_outputs(1) / "output"));
}

TEST_F(IsolationTest, AShellPipelineUsesTmpdirDevicesAndItsInputs) {
  const fs::path script = dir_ / "bin" / "normal.sh";
  write_file(script,
             "#!/bin/sh\nset -e\n"
             "case \"$TMPDIR\" in \"$PWD\"/*) ;; *) echo \"TMPDIR $TMPDIR not in $PWD\"; exit 3;; "
             "esac\n"
             "t=$(mktemp)\necho scratch > \"$t\"\nsort \"$t\" > /dev/null\nrm \"$t\"\n"
             "mkdir \"$TMPDIR/work\"\n"
             "head -c 16 /dev/urandom | od -An > /dev/null\n"
             "cat /dev/null\n"
             "cat \"$INPUT_DIR/mine.csv\" > \"$OUTPUT_DIR/copy.csv\"\n"
             "cat \"$INPUT_MANIFEST\" > /dev/null\n"
             "date > \"$OUTPUT_SHARE_DIR/when.txt\"\n"
             "echo '{\"total_loans\": 7}' > \"$RESULT_FILE\"\n");
  fs::permissions(script, fs::perms::owner_all);
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", script.string()}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto run = runs_json({"--team", "1"})[0];
  EXPECT_EQ(run["status"], "completed");
  EXPECT_EQ(run["total_loans"], 7);
  EXPECT_EQ(read_file(team_outputs(1) / "output" / "copy.csv"), "team 1's own\n");
  EXPECT_TRUE(fs::exists(team_outputs(1) / "output_share" / "when.txt"));
}

TEST_F(IsolationTest, TheReadyLineSaysWhichIsolationIsInForce) {
  auto service = serve({{"ENABLE_SCHEDULER", "false"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  EXPECT_NE(service->output().find("landlock (ABI "), std::string::npos) << service->output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(std::chrono::seconds(20)), 0) << service->output();
}

// The documented environment, and nothing else of the orchestrator's: its secrets stay out.
TEST_F(IsolationTest, ThePipelineEnvironmentHoldsExactlyTheDocumentedNames) {
  const std::string dump =
      "import json, os; "
      "json.dump(dict(os.environ), open(os.path.join(os.environ['OUTPUT_DIR'], 'env.json'), 'w'))";
  nlohmann::json command = {"/usr/bin/python3", "-I", "-c", dump};
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", command.dump()},
                                              {"SMTP_PASSWORD", "smtp-password-canary-31"},
                                              {"API_TOKEN", kTokenCanary},
                                              {"ORCH_TEST_CANARY", "canary-variable-5e"},
                                              {"HOME", "/nonexistent-home"},
                                              {"TZ", "UTC"}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::string text = read_file(team_outputs(1) / "output" / "env.json");
  auto env = nlohmann::json::parse(text);
  std::set<std::string> names;
  for (const auto& [name, value] : env.items()) {
    names.insert(name);
  }
  const std::set<std::string> documented = {"RUN_ID",
                                            "SALES_TEAM_ID",
                                            "RUN_DATE",
                                            "PURCHASE_DATE",
                                            "INPUT_DIR",
                                            "OUTPUT_DIR",
                                            "OUTPUT_SHARE_DIR",
                                            "INPUT_MANIFEST",
                                            "RESULT_FILE",
                                            "PATH",
                                            "HOME",
                                            "LANG",
                                            "TZ",
                                            "TMPDIR",
                                            "PIPELINE_NAME",
                                            "EXTRA_SETTING"};
  EXPECT_EQ(names, documented) << text;
  EXPECT_EQ(env.value("PIPELINE_NAME", ""), "daily");
  for (const char* secret :
       {"smtp-password-canary-31", kTokenCanary, "canary-variable-5e", "orchestrator.db"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " reached the pipeline";
  }
  EXPECT_EQ(env["SALES_TEAM_ID"], "1");
  EXPECT_EQ(env["HOME"], "/nonexistent-home");
  EXPECT_EQ(env["EXTRA_SETTING"], "x");
  EXPECT_EQ(fs::path(env["TMPDIR"].get<std::string>()).parent_path(),
            fs::path(env["OUTPUT_DIR"].get<std::string>()).parent_path());
}

// A copy of the binary without orchestrator-sandbox beside it: what a kernel without Landlock
// gets too (both make Landlock unavailable, through the same path).
class MissingSandboxTest : public E2eTest {
 protected:
  MissingSandboxTest() {
    fs::create_directories(dir_ / "lonely");
    fs::copy_file(ORCH_BINARY, binary_);
    add_team(1, "East");
    const fs::path script = dir_ / "bin" / "reads.sh";
    write_file(script, "#!/bin/sh\ncat " + quoted(dir_ / "orchestrator.toml") + "\n");
    fs::permissions(script, fs::perms::owner_all);
    write_file(dir_ / "orchestrator.toml", "# readable-without-sandbox\n");
    env_["PIPELINE_COMMAND"] = script.string();
  }

  CommandResult lonely(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& extra = {}) {
    std::vector<std::string> argv{binary_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandOptions options;
    options.working_dir = dir_.path();
    options.env = env_;
    for (const auto& [k, v] : extra) {
      options.env[k] = v;
    }
    return run_command(argv, options);
  }

  fs::path binary_ = dir_ / "lonely" / "orchestrator";
};

TEST_F(MissingSandboxTest, RunWarnsOnceAndRunsWithoutIsolation) {
  auto check = lonely({"check-config"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("# isolation: none (the sandbox helper"), std::string::npos)
      << check.out;
  auto result = lonely({"run", "--team", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  const std::string all = result.out + result.err;
  const auto first = all.find("isolation_unavailable");
  ASSERT_NE(first, std::string::npos) << all;
  EXPECT_EQ(all.find("isolation_unavailable", first + 1), std::string::npos) << all;
  const std::string run_id = runs_json()[0]["run_id"];
  EXPECT_NE(read_file(team_outputs(1) / "runs" / run_id / "pipeline.log")
                .find("readable-without-sandbox"),
            std::string::npos);
}

TEST_F(MissingSandboxTest, ServeWarnsOnceAndSaysSoInItsReadyLine) {
  CommandOptions options;
  options.working_dir = dir_.path();
  options.env = env_;
  options.env["ENABLE_SCHEDULER"] = "false";
  BackgroundProcess service({binary_.string(), "serve"}, options, dir_ / "serve.log");
  ASSERT_TRUE(wait_for_log(service, "ready")) << service.output();
  const std::string out = service.output();
  const auto first = out.find("isolation_unavailable");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("isolation_unavailable", first + 1), std::string::npos) << out;
  EXPECT_NE(out.find("none (the sandbox helper"), std::string::npos) << out;
  service.send_signal(SIGTERM);
  EXPECT_EQ(service.wait(std::chrono::seconds(20)), 0) << service.output();
}

TEST_F(MissingSandboxTest, RequiredIsolationRefusesToStart) {
  const std::map<std::string, std::string> required = {{"PIPELINE_ISOLATION_REQUIRED", "true"}};
  auto run = lonely({"run", "--team", "1"}, required);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("pipeline.isolation_required"), std::string::npos) << run.err;
  EXPECT_TRUE(runs_json().empty()) << "a run started without its required isolation";
  auto serve = lonely({"serve"}, required);
  EXPECT_EQ(serve.exit_code, 2) << serve.out << serve.err;
  EXPECT_NE(serve.err.find("orchestrator-sandbox"), std::string::npos) << serve.err;
  auto check = lonely({"check-config"}, required);
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
}

TEST_F(E2eTest, AReadPathHoldingTheServicesFilesIsRefused) {
  write_file(dir_ / "orchestrator.toml",
             "[pipeline]\nread_paths = [\"" + dir_.path().string() + "\"]\n");
  auto result = orch({"run", "--general"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("pipeline.read_paths"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace orch::testing
