// The bundled example pipeline, run as the built binary on real CSV tapes.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

using nlohmann::json;
using orch::testing::CommandOptions;
using orch::testing::CommandResult;
using orch::testing::read_file;
using orch::testing::run_command;
using orch::testing::TempDir;
using orch::testing::write_file;

// Columns in an unusual order, a BOM, CRLF line ends, quoted fields, and one row per kind of
// exception.
const char* const kTapeA =
    "\xEF\xBB\xBF"
    "amount,loan_id,borrower,rate,term_months,origination_date\r\n"
    "1000.50,L1,\"Smith, John\",5.5,36,2026-01-02\r\n"
    "2500,L2,\"The \"\"Best\"\" Co\",,60,\r\n"
    "-5,L3,Alice,4,12,\r\n"
    "abc,L4,Bob,4,12,\r\n"
    "300,L5,,4,12,\r\n"
    "400,,Carol,4,12,\r\n"
    "500,L6,Dan,101,12,\r\n"
    "600,L7,Eve,x,12,\r\n"
    "700,L8,Fay,3,0,\r\n"
    "800,L9,Gus,3,1.5,\r\n"
    "900,L1,Hal,3,12,\r\n";

// A quoted field spanning two lines, a blank line, and a loan id already seen in tape A.
const char* const kTapeB =
    "loan_id,borrower,amount\n"
    "L10,\"Multi\nline\",250.25\n"
    "\n"
    "L11,Ivy,100\n"
    "L2,Zed,10\n";

// No amount column: every row is an exception.
const char* const kTapeC =
    "loan_id,borrower\n"
    "L20,Jo\n"
    "L21,Ken\n";

using Files = std::vector<std::pair<std::string, std::string>>;  // name, content

struct Workspace {
  TempDir dir;
  std::map<std::string, std::string> env;

  // Writes the files into input/ and a manifest listing them (in this order).
  explicit Workspace(const Files& files) {
    json manifest = json::array();
    for (const auto& [name, content] : files) {
      write_file(dir / ("input/" + name), content);
      manifest.push_back({{"name", name},
                          {"path", (dir / ("input/" + name)).string()},
                          {"size", content.size()},
                          {"modified", "2026-11-20T01:00:00Z"},
                          {"sha256", std::string(64, '0')}});
    }
    write_file(dir / "run/manifest.json", manifest.dump());
    std::filesystem::create_directories(dir / "output");
    std::filesystem::create_directories(dir / "output_share");
    env = {{"RUN_ID", "run-7"},
           {"SALES_TEAM_ID", "3"},
           {"RUN_DATE", "2026-11-21"},
           {"PURCHASE_DATE", "2026-11-20"},
           {"INPUT_DIR", (dir / "input").string()},
           {"OUTPUT_DIR", (dir / "output").string()},
           {"OUTPUT_SHARE_DIR", (dir / "output_share").string()},
           {"INPUT_MANIFEST", (dir / "run/manifest.json").string()},
           {"RESULT_FILE", (dir / "run/result.json").string()}};
  }

  CommandResult run() const {
    CommandOptions options;
    options.env = env;
    return run_command({ORCH_EXAMPLE_PIPELINE}, options);
  }

  json result() const { return json::parse(read_file(dir / "run/result.json")); }
  json summary() const {
    return json::parse(read_file(dir / "output_share/summary_2026-11-20.json"));
  }
  std::string report() const { return read_file(dir / "output/loan_report_2026-11-20.csv"); }
};

TEST(ExamplePipeline, CountsLoansAndFlagsEveryKindOfException) {
  Workspace ws(Files{{"loans_a.csv", kTapeA},
                     {"notes.txt", "not a tape\n"},
                     {"loans_b.csv", kTapeB},
                     {"bad_c.csv", kTapeC}});
  CommandResult run = ws.run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("loans_a.csv: 11 loans, 9 exceptions"), std::string::npos) << run.out;

  EXPECT_EQ(ws.result(), json::parse(R"({"total_loans": 16, "exceptions_count": 12,
                                         "total_amount": 3850.75, "files": 3})"));

  EXPECT_EQ(ws.report(),
            "file,loan_id,borrower,amount,status,reason\n"
            "loans_a.csv,L1,\"Smith, John\",1000.50,ok,\n"
            "loans_a.csv,L2,\"The \"\"Best\"\" Co\",2500,ok,\n"
            "loans_a.csv,L3,Alice,-5,exception,amount is not a positive number\n"
            "loans_a.csv,L4,Bob,abc,exception,amount is not a positive number\n"
            "loans_a.csv,L5,,300,exception,missing borrower\n"
            "loans_a.csv,,Carol,400,exception,missing loan_id\n"
            "loans_a.csv,L6,Dan,500,exception,rate is not a number between 0 and 100\n"
            "loans_a.csv,L7,Eve,600,exception,rate is not a number between 0 and 100\n"
            "loans_a.csv,L8,Fay,700,exception,term_months is not a positive integer\n"
            "loans_a.csv,L9,Gus,800,exception,term_months is not a positive integer\n"
            "loans_a.csv,L1,Hal,900,exception,duplicate loan_id (first seen in loans_a.csv)\n"
            "loans_b.csv,L10,\"Multi\nline\",250.25,ok,\n"
            "loans_b.csv,L11,Ivy,100,ok,\n"
            "loans_b.csv,L2,Zed,10,exception,duplicate loan_id (first seen in loans_a.csv)\n"
            "bad_c.csv,L20,Jo,,exception,missing column amount\n"
            "bad_c.csv,L21,Ken,,exception,missing column amount\n");

  const json summary = ws.summary();
  EXPECT_EQ(summary["run_id"], "run-7");
  EXPECT_EQ(summary["sales_team_id"], "3");
  EXPECT_EQ(summary["run_date"], "2026-11-21");
  EXPECT_EQ(summary["purchase_date"], "2026-11-20");
  EXPECT_EQ(summary["total_loans"], 16);
  EXPECT_EQ(summary["exceptions_count"], 12);
  EXPECT_EQ(summary["total_amount"], 3850.75);
  EXPECT_EQ(summary["files"], json::parse(R"([
      {"name": "loans_a.csv", "loans": 11, "exceptions": 9, "total_amount": 3500.5},
      {"name": "loans_b.csv", "loans": 3, "exceptions": 1, "total_amount": 350.25},
      {"name": "bad_c.csv", "loans": 2, "exceptions": 2, "total_amount": 0.0}])"));

  // Outputs are renamed into place: no temporary file is left behind.
  for (const char* folder : {"output", "output_share", "run"}) {
    for (const auto& entry : std::filesystem::directory_iterator(ws.dir / folder)) {
      EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
    }
  }
}

// Found by fuzzing: an amount of hundreds of digits made the total infinite, written as null.
TEST(ExamplePipeline, RefusesAnAmountTooLargeToAddUp) {
  const std::string huge(400, '9');
  Workspace ws(Files{{"loans.csv", "loan_id,borrower,amount\nL1,Ann," + huge + "\nL2,Bob,10\n"}});
  CommandResult run = ws.run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ws.result(), json::parse(R"({"total_loans": 2, "exceptions_count": 1,
                                         "total_amount": 10.0, "files": 1})"));
  EXPECT_NE(ws.report().find("L1,Ann," + huge + ",exception,amount is over 1000000000000000\n"),
            std::string::npos)
      << ws.report();
}

TEST(ExamplePipeline, NoCsvInputsIsASuccessWithNoLoans) {
  Workspace ws(Files{{"readme.txt", "nothing to see\n"}});
  ws.env["SALES_TEAM_ID"] = "";  // the general run
  CommandResult run = ws.run();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ws.result(), json::parse(R"({"total_loans": 0, "exceptions_count": 0,
                                         "total_amount": 0.0, "files": 0})"));
  EXPECT_EQ(ws.report(), "file,loan_id,borrower,amount,status,reason\n");
  EXPECT_TRUE(ws.summary()["sales_team_id"].is_null());
}

TEST(ExamplePipeline, IncompleteEnvironmentExitsTwo) {
  // env -i: the test's own environment must not fill in anything.
  CommandResult run = run_command(
      {"/usr/bin/env", "-i", "RUN_ID=r1", "PURCHASE_DATE=2026-11-20", ORCH_EXAMPLE_PIPELINE});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("missing SALES_TEAM_ID, RUN_DATE, INPUT_DIR, OUTPUT_DIR, "
                         "OUTPUT_SHARE_DIR, INPUT_MANIFEST, RESULT_FILE"),
            std::string::npos)
      << run.err;
}

TEST(ExamplePipeline, MalformedPurchaseDateExitsTwo) {
  Workspace ws(Files{{"loans_a.csv", kTapeA}});
  ws.env["PURCHASE_DATE"] = "../../etc";
  CommandResult run = ws.run();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("PURCHASE_DATE"), std::string::npos) << run.err;
}

TEST(ExamplePipeline, UnwritableOutputExitsTwo) {
  Workspace ws(Files{{"loans_a.csv", kTapeA}});
  write_file(ws.dir / "not_a_folder", "a file where a folder should be\n");
  ws.env["OUTPUT_DIR"] = (ws.dir / "not_a_folder").string();
  CommandResult run = ws.run();
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("cannot write"), std::string::npos) << run.err;
}

TEST(ExamplePipeline, RunsUnderTheLauncherWithExactlyTheProtocolEnvironment) {
  Workspace ws(Files{{"loans_b.csv", kTapeB}});
  ProcessSpec spec;
  spec.argv = {ORCH_EXAMPLE_PIPELINE};
  spec.env = ws.env;
  spec.env["PATH"] = "/usr/bin:/bin";
  spec.working_dir = ws.dir.path();
  spec.log_file = ws.dir / "run/pipeline.log";
  StopSignal stop;
  ProcessOutcome outcome = make_posix_process_launcher()->run(spec, stop);
  EXPECT_EQ(outcome.kind, ProcessOutcome::Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0) << read_file(spec.log_file);
  EXPECT_EQ(ws.result()["total_loans"], 3);
  EXPECT_NE(read_file(spec.log_file).find("loans_b.csv: 3 loans, 0 exceptions"), std::string::npos);
}

}  // namespace
}  // namespace orch::pipeline
