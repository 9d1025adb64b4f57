#include "orchestrator/store/soci_stored_values.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {
namespace {

using notify::DeliveryRecord;
using notify::DeliveryStatus;

DeliveryStatus parse_status(const std::string& text) {
  for (auto s : {DeliveryStatus::kPending, DeliveryStatus::kSent, DeliveryStatus::kFailed,
                 DeliveryStatus::kDropped}) {
    if (text == notify::to_string(s)) {
      return s;
    }
  }
  return DeliveryStatus::kFailed;
}

}  // namespace

Result<std::int64_t> SociNotificationStore::add(const DeliveryRecord& r) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    NullableInt team(r.team ? std::optional<std::int64_t>(r.team->value) : std::nullopt);
    NullableText run_id = NullableText::unless_empty(r.run_id ? r.run_id->str() : std::string());
    NullableText last_error = NullableText::unless_empty(r.last_error);
    NullableText sent_at = time_text(r.sent_at);
    std::string status = notify::to_string(r.status);
    std::string created = format_utc(r.created_at);
    std::string updated = format_utc(r.updated_at);
    int attempts = r.attempts;
    std::int64_t id = 0;
    // RETURNING works on both: PostgreSQL, and SQLite from 3.35 (Debian 12 has 3.40).
    sql << "INSERT INTO notifications (event, channel, target, sales_team_id, run_id, status, "
           "attempts, last_error, created_at, updated_at, sent_at) VALUES (:event, :channel, "
           ":target, :team, :run_id, :status, :attempts, :last_error, " +
               db_.time_param("created") + ", " + db_.time_param("updated") + ", " +
               db_.time_param("sent") + ") RETURNING id",
        soci::use(r.event, "event"), soci::use(r.channel, "channel"), soci::use(r.target, "target"),
        soci::use(team.value, team.ind, "team"), soci::use(run_id.value, run_id.ind, "run_id"),
        soci::use(status, "status"), soci::use(attempts, "attempts"),
        soci::use(last_error.value, last_error.ind, "last_error"), soci::use(created, "created"),
        soci::use(updated, "updated"), soci::use(sent_at.value, sent_at.ind, "sent"),
        soci::into(id);
    return static_cast<std::int64_t>(id);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record a notification");
  }
}

Status SociNotificationStore::update(const DeliveryRecord& r) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    NullableText last_error = NullableText::unless_empty(r.last_error);
    NullableText sent_at = time_text(r.sent_at);
    std::string status = notify::to_string(r.status);
    std::string updated = format_utc(r.updated_at);
    int attempts = r.attempts;
    std::int64_t id = r.id;
    sql << "UPDATE notifications SET status = :status, attempts = :attempts, last_error = "
           ":last_error, updated_at = " +
               db_.time_param("updated") + ", sent_at = " + db_.time_param("sent") +
               " WHERE id = :id",
        soci::use(status, "status"), soci::use(attempts, "attempts"),
        soci::use(last_error.value, last_error.ind, "last_error"), soci::use(updated, "updated"),
        soci::use(sent_at.value, sent_at.ind, "sent"), soci::use(id, "id");
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record notification " + std::to_string(r.id));
  }
}

namespace {

// A row of notifications, bound for reading.
struct DeliveryRow {
  std::int64_t id = 0;
  std::string event, channel, target, status, created, updated;
  NullableInt team;
  NullableText run_id, last_error, sent_at;
  int attempts = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(event));
    st.exchange(soci::into(channel));
    st.exchange(soci::into(target));
    st.exchange(soci::into(team.value, team.ind));
    st.exchange(soci::into(run_id.value, run_id.ind));
    st.exchange(soci::into(status));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(last_error.value, last_error.ind));
    st.exchange(soci::into(created));
    st.exchange(soci::into(updated));
    st.exchange(soci::into(sent_at.value, sent_at.ind));
  }

  // The record of the row fetched last; its nullable values are cleared for the next. Throws
  // BadStoredValue for a time that is not one.
  DeliveryRecord take() {
    const auto row = [this] { return "notification " + std::to_string(id); };
    DeliveryRecord r;
    r.id = id;
    r.event = event;
    r.channel = channel;
    r.target = target;
    if (auto t = team.get()) {
      r.team = TeamId{*t};
    }
    if (auto text = run_id.get()) {
      r.run_id = RunId(*text);
    }
    r.status = parse_status(status);
    r.attempts = attempts;
    r.last_error = last_error.get().value_or("");
    r.created_at = stored_time(created, row, "created_at");
    r.updated_at = stored_time(updated, row, "updated_at");
    r.sent_at = stored_time(sent_at, row, "sent_at");
    team = NullableInt();
    run_id = last_error = sent_at = NullableText();
    return r;
  }
};

}  // namespace

Result<std::vector<DeliveryRecord>> SociNotificationStore::list(const NotificationFilter& filter) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    DeliveryRow row;
    std::string run_filter = filter.run_id ? filter.run_id->str() : std::string();
    int limit = filter.limit;
    soci::statement st(sql);
    row.bind(st);
    if (filter.run_id) {
      st.exchange(soci::use(run_filter, "run_id"));
    }
    st.exchange(soci::use(limit, "limit"));
    st.alloc();
    st.prepare(
        "SELECT id, event, channel, target, sales_team_id, run_id, status, attempts, "
        "last_error, " +
        db_.time_column("created_at") + ", " + db_.time_column("updated_at") + ", " +
        db_.time_column("sent_at") + " FROM notifications" +
        (filter.run_id ? " WHERE run_id = :run_id" : "") + " ORDER BY id DESC LIMIT :limit");
    st.define_and_bind();
    st.execute();
    std::vector<DeliveryRecord> out;
    while (st.fetch()) {
      out.push_back(row.take());
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list notifications");
  }
}

}  // namespace orch::store
