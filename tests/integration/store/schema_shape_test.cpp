// The schema has one source with the differences between the databases named once. These tests
// hold it to what users rely on: a new database has the same tables, columns and indexes on
// SQLite and on PostgreSQL, and a database made by the schema's previous, hand-kept DDL (at any
// of its versions) upgrades to exactly the shape of a new one.
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/integration/store/previous_schema_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch {
namespace {

using testing::Backend;
using testing::TestDatabase;

// Every table and its columns, one line each: "table|column".
constexpr const char* kSqliteColumns =
    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p "
    "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2";
constexpr const char* kPostgresColumns =
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() ORDER BY 1, 2";

// The indexes the schema creates (not those behind a primary key or UNIQUE column), one line
// each: "table|index|unique|partial|columns".
constexpr const char* kSqliteIndexes =
    "SELECT m.tbl_name, m.name, l.\"unique\", l.partial, "
    "(SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(m.name) "
    "ORDER BY seqno)) FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l "
    "ON l.name = m.name WHERE m.type = 'index' AND m.sql IS NOT NULL ORDER BY 1, 2";
constexpr const char* kPostgresIndexes =
    "SELECT t.relname, i.relname, CASE WHEN x.indisunique THEN 1 ELSE 0 END, "
    "CASE WHEN x.indpred IS NULL THEN 0 ELSE 1 END, "
    "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey::int2[]) "
    "WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = x.indrelid "
    "AND a.attnum = k.attnum) "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t "
    "ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT EXISTS "
    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1, 2";

// Everything one database knows of its schema: every column's type, nullability and default,
// every constraint, every index with its condition, and the rows the migrations wrote.
constexpr const char* kSqliteDetail =
    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY 1, 2; "
    "SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m "
    "JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 2; "
    "SELECT name, value FROM orchestrator_state ORDER BY 1; "
    "SELECT version FROM schema_migrations ORDER BY 1";
constexpr const char* kPostgresDetail =
    "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default "
    "FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2; "
    "SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2; "
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
    "ORDER BY 1, 2; "
    "SELECT name, value FROM orchestrator_state ORDER BY 1; "
    "SELECT version FROM schema_migrations ORDER BY 1";

// The same statement however its lines were wrapped: whitespace runs become one space, none
// after an opening or before a closing parenthesis.
std::string normalized(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex(R"([ \t\r\n]+)"), " ");
  out = std::regex_replace(out, std::regex(R"(\( )"), "(");
  return std::regex_replace(out, std::regex(R"( \))"), ")");
}

class SchemaShapeTest : public ::testing::TestWithParam<Backend> {
 protected:
  static std::string query(const TestDatabase& database, const std::string& sql) {
    auto result = database.query(sql);
    EXPECT_EQ(result.exit_code, 0) << sql << ": " << result.err;
    return result.out;
  }

  // Opens the database as every command does, which migrates it to the latest version.
  static void open_and_migrate(const TestDatabase& database) {
    auto opened = Database::open(database.url(), 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
  }

  static std::string detail(const TestDatabase& database) {
    return normalized(
        query(database, database.backend() == Backend::kSqlite ? kSqliteDetail : kPostgresDetail));
  }

  // Makes the schema as the previous DDL left it at `version` (with its migrations recorded).
  static void make_previous(const TestDatabase& database, int version) {
    const bool sqlite = database.backend() == Backend::kSqlite;
    std::string script =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at " +
        std::string(sqlite ? "TEXT" : "TIMESTAMPTZ") + " NOT NULL);\n";
    for (const auto& migration : testing::previous_migrations(database.backend())) {
      if (migration.version > version) {
        break;
      }
      for (const std::string& statement : migration.statements) {
        script += statement + ";\n";
      }
      script += "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                std::to_string(migration.version) + ", '2026-01-01T00:00:00.000Z');\n";
    }
    query(database, script);
  }

  testing::TempDir dir_;
};

TEST_P(SchemaShapeTest, ADatabaseOfEveryPreviousVersionUpgradesToTheShapeOfANewOne) {
  std::filesystem::create_directories(dir_.path() / "fresh");
  TestDatabase fresh(GetParam(), dir_.path() / "fresh");
  if (!fresh.available()) {
    GTEST_SKIP() << "PostgreSQL is not running (run under scripts/with_test_services.sh)";
  }
  open_and_migrate(fresh);
  const std::string expected = detail(fresh);
  ASSERT_NE(expected.find("pipeline_runs_one_running"), std::string::npos) << expected;

  for (const auto& migration : testing::previous_migrations(GetParam())) {
    SCOPED_TRACE("made by the previous schema at version " + std::to_string(migration.version));
    const auto folder = dir_.path() / ("v" + std::to_string(migration.version));
    std::filesystem::create_directories(folder);
    TestDatabase old(GetParam(), folder);
    make_previous(old, migration.version);
    open_and_migrate(old);
    EXPECT_EQ(detail(old), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaShapeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

// A new database on SQLite and one on PostgreSQL: the same tables with the same columns, and the
// same indexes over the same columns, unique and partial alike (the types differ by design).
TEST(SchemaShapeAcrossDatabasesTest, SqliteAndPostgresqlHaveTheSameTablesColumnsAndIndexes) {
  testing::TempDir dir;
  TestDatabase sqlite(Backend::kSqlite, dir.path());
  TestDatabase postgres(Backend::kPostgres, dir.path());
  if (!postgres.available()) {
    GTEST_SKIP() << "PostgreSQL is not running (run under scripts/with_test_services.sh)";
  }
  auto opened_sqlite = Database::open(sqlite.url(), 1, Database::OpenMode::kCreateIfMissing);
  ASSERT_TRUE(opened_sqlite.has_value()) << opened_sqlite.error().message;
  auto opened_postgres = Database::open(postgres.url(), 1, Database::OpenMode::kCreateIfMissing);
  ASSERT_TRUE(opened_postgres.has_value()) << opened_postgres.error().message;

  auto read = [](const TestDatabase& database, const char* sql) {
    auto result = database.query(sql);
    EXPECT_EQ(result.exit_code, 0) << sql << ": " << result.err;
    return result.out;
  };
  const std::string columns = read(sqlite, kSqliteColumns);
  EXPECT_EQ(columns, read(postgres, kPostgresColumns));
  EXPECT_NE(columns.find("pipeline_runs|cancel_requested_by\n"), std::string::npos) << columns;
  const std::string indexes = read(sqlite, kSqliteIndexes);
  EXPECT_EQ(indexes, read(postgres, kPostgresIndexes));
  EXPECT_NE(indexes.find("pipeline_runs|pipeline_runs_one_per_slot|1|1|team_key,pipeline,"
                         "slot_key,attempt\n"),
            std::string::npos)
      << indexes;
}

}  // namespace
}  // namespace orch
