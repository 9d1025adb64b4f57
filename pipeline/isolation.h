#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/base/ids.h"
#include "config/base/result.h"
#include "config/config.h"
#include "pipeline/process_launcher.h"
#include "pipeline/team_tree.h"

namespace orch::pipeline {

// The isolation this process's pipelines get, decided once at start by settle_isolation().
struct IsolationInForce {
  config::Isolation kind = config::Isolation::kNone;
  int abi = 0;         // kLandlock: the kernel's Landlock ABI version
  std::string reason;  // kNone: why, in a few words
};

// Landlock when pipeline.isolation asks for it and both the kernel and orchestrator-sandbox
// (config.pipeline.sandbox_helper) are there; otherwise none, with the reason. Fails with
// kInvalidArgument (one line) when pipeline.isolation_required cannot be met, or when an entry
// of pipeline.read_paths would open the service's own files (the input or output tree, the
// database or the configuration) to every pipeline.
Result<IsolationInForce> settle_isolation(const config::Config& config);

// "landlock (ABI 7)", or "none (REASON)".
std::string describe(const IsolationInForce& isolation);
// describe(settle_isolation(config)), or the reason it fails.
std::string isolation_in_force(const config::Config& config);

// What a sandboxed run may touch. Read-only for every run: /usr, /bin, /sbin, /lib*, /etc, /opt,
// pipeline.read_paths and the pipeline's own program and the folder it is in; any of
// these that holds the service's own files (the input and output trees, the SQLite database's
// folder, the configuration file) is granted only around them. Per run: the owner's inputs
// (a team's whole input tree; the general run's files_required only, as the teams' trees sit
// beneath its folder) and its run folder read-only; OUTPUT_DIR, OUTPUT_SHARE_DIR and TMPDIR
// read-write, and the file RESULT_FILE (which must exist) writable; the folders of
// UPSTREAM_OUTPUT_DIRS (its upstreams' published outputs) read-only. The manifest and the log in
// the run folder stay as the service wrote them.
// Built once per service; thread-safe (const).
class SandboxPlan {
 public:
  explicit SandboxPlan(const config::Config& config);

  // Requires: `spec`'s argv, env (with the protocol's variables) and working_dir (the run
  // folder) are set: they say which program the run starts and where it writes.
  Sandbox for_run(const ProcessSpec& spec, const RunFolders& folders,
                  const std::optional<TeamId>& team) const;

 private:
  std::filesystem::path helper_;
  std::vector<std::filesystem::path> kept_out_;   // the service's own files, canonical
  std::vector<std::filesystem::path> read_only_;  // the part common to every run
  std::shared_ptr<const HeldPaths> held_;         // the system's part of it, held open
};

}  // namespace orch::pipeline
