#include <iostream>
#include <memory>

#include "config/base/clock.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/audit_actor.h"

namespace orch::cli {

Status record_audit(Database& db, const std::string& action, const std::string& target,
                    std::optional<std::string> before, std::optional<std::string> after) {
  AuditEntry entry;
  entry.at = SystemClock().now();
  entry.actor = cli_actor();
  entry.action = action;
  entry.target = target;
  entry.before = std::move(before);
  entry.after = std::move(after);
  auto id = db.audit().record(entry);
  if (!id) {
    // A database error whatever its kind (exit 4): the change itself went through.
    return unavailable("the change was made, but its audit entry was not written: " +
                       id.error().message);
  }
  return {};
}

namespace {

constexpr int kMaxLimit = 1000;

Table audit_table(const std::vector<AuditEntry>& entries) {
  Table t;
  t.columns = {{"id", true}, {"at"},           {"actor"},      {"action"},
               {"target"},   {"before", true}, {"after", true}};
  for (const AuditEntry& e : entries) {
    t.rows.push_back({std::to_string(e.id), format_utc(e.at), e.actor, e.action,
                      e.target.empty() ? std::nullopt : std::optional<std::string>(e.target),
                      e.before, e.after});
  }
  return t;
}

// `audit`: the audit log, newest first.
struct AuditOptions {
  int limit = 50;
  std::optional<std::string> target;
  std::optional<std::string> actor;
  Format format = Format::kTable;
};

int audit(const config::Config& config, const AuditOptions& options) {
  if (options.limit < 1 || options.limit > kMaxLimit) {
    return fail(invalid_argument("--limit " + std::to_string(options.limit) +
                                 " is not allowed: use a whole number from 1 to " +
                                 std::to_string(kMaxLimit)));
  }
  if (options.target && options.target->empty()) {
    return fail(invalid_argument("--target: give a target such as team:7 or general"));
  }
  if (options.actor && options.actor->empty()) {
    return fail(invalid_argument("--actor: give an actor such as cli:alice or api:ops"));
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  AuditQuery query;
  query.limit = options.limit;
  query.target = options.target;
  query.actor = options.actor;
  auto entries = (*db)->audit().page(query);
  if (!entries) {
    return fail(entries.error());
  }
  print(audit_table(*entries), options.format, std::cout);
  return kExitOk;
}

}  // namespace

void add_audit_command(Command& app) {
  auto options = std::make_shared<AuditOptions>();
  Command audit_cmd =
      app.subcommand("audit", "Who changed what (teams, reschedules, backfills), newest first");
  audit_cmd.option("--limit", options->limit, "At most this many entries (default 50)");
  audit_cmd.option("--target", options->target,
                   "Only this target: team:7 (with its pipelines), "
                   "team:7/pipeline:month_end, run:ID, general");
  audit_cmd.option("--actor", options->actor, "Only this actor: cli:USER, api:TOKEN");
  audit_cmd.format(options->format);
  audit_cmd.runs([options](const Invocation& in) { return audit(in.config, *options); });
}

}  // namespace orch::cli
