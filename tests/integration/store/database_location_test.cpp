#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch {
namespace {

using Mode = Database::OpenMode;

std::string url_of(const std::filesystem::path& file) {
  return "sqlite:" + file.string();
}

std::unique_ptr<Database> open_or_fail(const std::filesystem::path& file, Mode mode) {
  auto db = Database::open(url_of(file), 1, mode);
  if (!db) {
    ADD_FAILURE() << "cannot open " << file << ": " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

TEST(DatabaseOpen, AnExistingDatabaseMustBeThereAndNothingIsCreated) {
  testing::TempDir dir;
  auto file = dir / "nested" / "orchestrator.db";
  auto db = Database::open(url_of(file), 1, Mode::kExisting);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(db.error().message,
            "database not found: " + file.string() + " (create it with orchestrator migrate)");
  EXPECT_FALSE(std::filesystem::exists(dir / "nested"));

  // The folder alone is not a database either.
  std::filesystem::create_directories(dir / "nested");
  EXPECT_FALSE(Database::open(url_of(file), 1, Mode::kExisting).has_value());
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST(DatabaseOpen, AnExistingDatabaseOpensOnceCreated) {
  testing::TempDir dir;
  auto file = dir / "nested" / "orchestrator.db";
  ASSERT_NE(open_or_fail(file, Mode::kCreateIfMissing), nullptr);
  auto db = open_or_fail(file, Mode::kExisting);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->teams().list(TeamStore::Which::kAll).has_value());
}

TEST(DatabaseLocation, HoldsWhileTheFileStaysWhereItWasOpened) {
  testing::TempDir dir;
  auto db = open_or_fail(dir / "orchestrator.db", Mode::kCreateIfMissing);
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(db->verify_location().has_value());
  ASSERT_TRUE(db->registry().bump_generation().has_value());  // writing changes nothing
  EXPECT_TRUE(db->verify_location().has_value());
}

TEST(DatabaseLocation, FailsOnceTheFileIsRemoved) {
  testing::TempDir dir;
  auto file = dir / "orchestrator.db";
  auto db = open_or_fail(file, Mode::kCreateIfMissing);
  ASSERT_NE(db, nullptr);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(file.string() + suffix);
  }
  auto where = db->verify_location();
  ASSERT_FALSE(where.has_value());
  EXPECT_EQ(where.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(where.error().message.find(file.string()), std::string::npos) << where.error().message;
  EXPECT_NE(where.error().message.find("removed"), std::string::npos) << where.error().message;
}

TEST(DatabaseLocation, FailsOnceAnotherFileIsMovedOverIt) {
  testing::TempDir dir;
  auto file = dir / "orchestrator.db";
  auto db = open_or_fail(file, Mode::kCreateIfMissing);
  ASSERT_NE(db, nullptr);
  // A copy of the very same database is another file all the same: what the service writes
  // from now on would not reach it.
  std::filesystem::copy_file(file, dir / "copy.db");
  std::filesystem::rename(dir / "copy.db", file);
  auto where = db->verify_location();
  ASSERT_FALSE(where.has_value());
  EXPECT_EQ(where.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(where.error().message.find(file.string()), std::string::npos) << where.error().message;
  EXPECT_NE(where.error().message.find("replaced"), std::string::npos) << where.error().message;
}

TEST(DatabaseLocation, FailsWhenItsFolderIsMovedAway) {
  testing::TempDir dir;
  auto file = dir / "data" / "orchestrator.db";
  auto db = open_or_fail(file, Mode::kCreateIfMissing);
  ASSERT_NE(db, nullptr);
  std::filesystem::rename(dir / "data", dir / "data.old");
  auto where = db->verify_location();
  ASSERT_FALSE(where.has_value());
  EXPECT_NE(where.error().message.find("removed"), std::string::npos) << where.error().message;
}

TEST(DatabaseLocation, AlwaysHoldsOnPostgresql) {
  testing::TempDir dir;
  testing::TestDatabase database(testing::Backend::kPostgres, dir.path());
  if (!database.available()) {
    GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
  }
  // A PostgreSQL database is the server's: opening it "as existing" is what it always was.
  auto db = Database::open(database.url(), 1, Mode::kExisting);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_TRUE((*db)->verify_location().has_value());
}

}  // namespace
}  // namespace orch
