// A team, or the general run, that plants links and swaps files in its own input tree never gets
// another team's data into its run: the run sees the inputs that passed the checks, or fails.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kTeam1Loans[] = "loan_id,borrower,amount\nT1,Team One Borrower,100\n";
constexpr char kTeam2Marker[] = "TEAM2-SECRET-BORROWER";

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A sparse file of zeros: hashing it takes seconds, storing it nothing.
void write_sparse(const fs::path& file, off_t bytes) {
  fs::create_directories(file.parent_path());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, bytes), 0);
  ::close(fd);
}

std::string sha256_of(const std::string& content, const fs::path& scratch) {
  write_file(scratch, content);
  auto result = run_command({"sha256sum", scratch.string()});
  return result.out.substr(0, 64);
}

// Every file under `dir` (links not followed) that holds `text`; big sparse inputs are skipped.
std::vector<std::string> files_holding(const fs::path& dir, const std::string& text) {
  std::vector<std::string> found;
  std::error_code ec;  // a folder that does not exist holds nothing
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_symlink() || !entry.is_regular_file() || entry.file_size() > (1 << 20)) {
      continue;
    }
    if (read(entry.path()).find(text) != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

// A pipeline that prints the loans it was given and keeps a copy in its outputs.
const char kCatPipeline[] =
    R"(["/bin/sh", "-c", "cat \"$INPUT_DIR/loans.csv\"; cp \"$INPUT_DIR/loans.csv\" \"$OUTPUT_DIR/seen.csv\""])";

class HostileInputsTest : public E2eTest {
 protected:
  HostileInputsTest() {
    env_["PIPELINE_COMMAND"] = kCatPipeline;
    add_team(1, "North");
    add_team(2, "West");
    write_file(team_inputs(1) / "loans.csv", kTeam1Loans);
    write_file(team_inputs(2) / "loans.csv",
               std::string("loan_id,borrower,amount\nS1,") + kTeam2Marker + ",999\n");
  }

  std::unique_ptr<BackgroundProcess> start(const std::vector<std::string>& args,
                                           const std::map<std::string, std::string>& env = {}) {
    CommandOptions options;
    options.working_dir = dir_.path();
    options.env = env_;
    for (const auto& [k, v] : env) {
      options.env[k] = v;
    }
    std::vector<std::string> argv{ORCH_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<BackgroundProcess>(argv, options, dir_ / "run.log");
  }

  // The run folder of team `team`'s run in progress, once its snapshot holds `name`.
  std::optional<fs::path> run_folder_with(int team, const std::string& name) {
    std::optional<fs::path> found;
    wait_until(
        [&] {
          std::error_code ec;
          for (const auto& entry : fs::directory_iterator(team_outputs(team) / "runs", ec)) {
            if (fs::exists(entry.path() / "inputs" / name)) {
              found = entry.path();
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(30));
    return found;
  }

  // Runs team 1 with a slow input ahead of loans.csv, does `swap` once loans.csv is in the
  // snapshot while the big file is still being hashed, and checks what the run saw.
  void run_with_swap_during_hash(const std::function<void()>& swap) {
    write_sparse(team_inputs(1) / "a_big.bin", off_t{1} << 30);
    auto run = start({"run", "--team", "1"});
    auto folder = run_folder_with(1, "loans.csv");
    ASSERT_TRUE(folder) << run->output();
    // Still hashing: the manifest is written once the hashes are done.
    EXPECT_FALSE(fs::exists(*folder / "inputs.json"));
    swap();
    ASSERT_EQ(run->wait(std::chrono::seconds(120)), 0) << run->output();

    auto runs = runs_json({"--team", "1"});
    ASSERT_EQ(runs.size(), 1U);
    EXPECT_EQ(runs[0]["status"], "completed");
    auto manifest = nlohmann::json::parse(read(*folder / "inputs.json"));
    ASSERT_EQ(manifest.size(), 2U);
    EXPECT_EQ(manifest[1]["name"], "loans.csv");
    EXPECT_EQ(manifest[1]["sha256"], sha256_of(kTeam1Loans, dir_ / "expected.csv"));
    EXPECT_EQ(runs[0]["inputs"], manifest);
    EXPECT_EQ(read(*folder / "output" / "seen.csv"), kTeam1Loans);
    const std::string log = read(*folder / "pipeline.log");
    EXPECT_NE(log.find("Team One Borrower"), std::string::npos) << log;
    EXPECT_EQ((log + run->output()).find(kTeam2Marker), std::string::npos) << log;
    EXPECT_EQ(files_holding(team_outputs(1), kTeam2Marker), std::vector<std::string>{});
    EXPECT_EQ(runs.dump().find(kTeam2Marker), std::string::npos);
  }
};

TEST_F(HostileInputsTest, AFileSwappedForALinkToAnotherTeamDuringTheHashIsNotRead) {
  run_with_swap_during_hash([&] {
    fs::create_symlink("../../sales_team_2/files_required/loans.csv", team_inputs(1) / "x");
    fs::rename(team_inputs(1) / "x", team_inputs(1) / "loans.csv");  // mv -T: atomic
  });
}

TEST_F(HostileInputsTest, AFolderSwappedForALinkToAnotherTeamDuringTheHashIsNotRead) {
  run_with_swap_during_hash([&] {
    const fs::path root = team_inputs(1).parent_path();
    fs::create_directory_symlink("../sales_team_2/files_required", root / "x");
    fs::rename(root / "files_required", root / "old");
    fs::rename(root / "x", root / "files_required");
  });
}

TEST_F(HostileInputsTest, AFolderLinkedToAnotherTeamAtTheStartIsRefused) {
  const fs::path root = team_inputs(1).parent_path();
  fs::rename(root / "files_required", root / "old");
  fs::create_directory_symlink("../sales_team_2/files_required", root / "files_required");
  auto result = orch({"run", "--team", "1"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  auto runs = runs_json({"--team", "1"});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_NE(runs[0]["error"].get<std::string>().find("refused"), std::string::npos) << runs[0];
  EXPECT_EQ((result.out + result.err).find(kTeam2Marker), std::string::npos);
  EXPECT_EQ(files_holding(team_outputs(1), kTeam2Marker), std::vector<std::string>{});
}

TEST_F(HostileInputsTest, TheGeneralRunsFileLinkIntoATeamIsRefused) {
  write_file(dir_ / "inputs" / "files_required" / "fees.csv", "general fees\n");
  fs::create_symlink("../sales_team_2/files_required/loans.csv",
                     dir_ / "inputs" / "files_required" / "general.csv");
  auto result = orch({"run", "--general"},
                     {{"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "cat \"$INPUT_DIR\"/*"])"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  auto runs = runs_json({"--team", "general"});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "failed");
  const std::string error = runs[0]["error"];
  EXPECT_NE(error.find("general.csv leads into a team's tree"), std::string::npos) << error;
  EXPECT_EQ((result.out + result.err).find(kTeam2Marker), std::string::npos);
  EXPECT_EQ(files_holding(dir_ / "outputs" / "runs", kTeam2Marker), std::vector<std::string>{});
}

TEST_F(HostileInputsTest, MoreInputsThanMaxInputsFailTheRunWithOneError) {
  for (int i = 0; i < 3; ++i) {
    write_file(team_inputs(1) / ("extra_" + std::to_string(i) + ".csv"), "x\n");
  }
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_MAX_INPUTS", "3"}});
  EXPECT_EQ(result.exit_code, 1);
  auto runs = runs_json({"--team", "1"});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_EQ(runs[0]["error"], "input folder " + team_inputs(1).string() +
                                  " holds more than 3 input files (pipeline.max_inputs allows "
                                  "that many); refused");
}

TEST_F(HostileInputsTest, WithoutHashingTheManifestHasSizeAndTimeOnly) {
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_HASH_INPUTS", "false"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json({"--team", "1"});
  auto manifest = runs[0]["inputs"];
  ASSERT_EQ(manifest.size(), 1U);
  EXPECT_FALSE(manifest[0].contains("sha256")) << manifest;
  EXPECT_EQ(manifest[0]["size"], std::string(kTeam1Loans).size());
  EXPECT_TRUE(manifest[0].contains("modified"));
}

TEST_F(HostileInputsTest, CtrlCDuringALongHashEndsTheRunInterrupted) {
  write_sparse(team_inputs(1) / "a_big.bin", off_t{20} << 30);
  auto run = start({"run", "--team", "1"});
  ASSERT_TRUE(run_folder_with(1, "loans.csv")) << run->output();
  const auto interrupted_at = std::chrono::steady_clock::now();
  run->send_signal(SIGINT);
  EXPECT_NE(run->wait(std::chrono::seconds(10)), -1) << run->output();
  EXPECT_LT(std::chrono::steady_clock::now() - interrupted_at, std::chrono::seconds(3));
  auto runs = runs_json({"--team", "1"});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "interrupted");
  EXPECT_NE(runs[0]["error"].get<std::string>().find("stopped while hashing input"),
            std::string::npos)
      << runs[0];
}

TEST_F(HostileInputsTest, AServiceStopDuringALongHashEndsPromptly) {
  write_sparse(team_inputs(1) / "a_big.bin", off_t{20} << 30);
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)}, {"SHUTDOWN_GRACE_SECONDS", "2"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(run_folder_with(1, "loans.csv")) << service->output();
  const auto stopped_at = std::chrono::steady_clock::now();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(std::chrono::seconds(15)), 0) << service->output();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(4));
  auto runs = runs_json({"--team", "1"});
  ASSERT_GE(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "interrupted") << runs[0];
}

TEST_F(HostileInputsTest, TheTimeoutCountsTheHash) {
  write_sparse(team_inputs(1) / "a_big.bin", off_t{20} << 30);
  const auto started = std::chrono::steady_clock::now();
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_TIMEOUT_SECONDS", "2"}});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(6));
  EXPECT_EQ(result.exit_code, 1);
  auto runs = runs_json({"--team", "1"});
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "timed_out");
}

TEST_F(HostileInputsTest, ANameThatIsNotUtf8IsRecordedEscapedAndNamesTheSnapshot) {
  // The bundled example pipeline reads the tape by the manifest's escaped path.
  write_file(team_inputs(1) / "fees_\xff.csv", "loan_id,borrower,amount\nF1,Fee Payer,5\n");
  auto result = orch({"run", "--team", "1"}, {{"PIPELINE_COMMAND", ""}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json({"--team", "1"});
  EXPECT_EQ(runs[0]["total_loans"], 2);
  auto manifest = runs[0]["inputs"];
  ASSERT_EQ(manifest.size(), 2U);
  EXPECT_EQ(manifest[0]["name"], "fees_\\xff.csv");
  const fs::path snapshot =
      team_outputs(1) / "runs" / runs[0]["run_id"].get<std::string>() / "inputs" / "fees_\xff.csv";
  EXPECT_EQ(manifest[0]["path"], snapshot.parent_path().string() + "/fees_\\xff.csv");
  EXPECT_EQ(read(snapshot), "loan_id,borrower,amount\nF1,Fee Payer,5\n");
}

}  // namespace
}  // namespace orch::testing
