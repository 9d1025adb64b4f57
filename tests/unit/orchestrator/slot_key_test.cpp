#include "orchestrator/schedule/slot_key.h"

#include <gtest/gtest.h>

#include "orchestrator/schedule/scheduler.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

// The store keeps a slot key as text: what is written is read back as the same key.
TEST(SlotKey, ReadsBackWhatItWrites) {
  const SlotKey day = SlotKey::of_run_date(*parse_date("2026-03-08"));
  EXPECT_EQ(day.text(), "2026-03-08");
  EXPECT_EQ(SlotKey::parse(day.text()), day);

  const SlotKey fire = SlotKey::of_fire_instant(utc("2026-03-08T07:15:00Z"));
  EXPECT_EQ(fire.text(), "2026-03-08T07:15:00Z");
  EXPECT_EQ(SlotKey::parse(fire.text()), fire);
}

TEST(SlotKey, TellsTheTwoFormsApart) {
  auto day = SlotKey::parse("2026-12-31");
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->kind, SlotKey::kRunDate);
  EXPECT_EQ(day->run_date, *parse_date("2026-12-31"));

  auto fire = SlotKey::parse("2026-12-31T23:59:00Z");
  ASSERT_TRUE(fire.has_value());
  EXPECT_EQ(fire->kind, SlotKey::kFireInstant);
  EXPECT_EQ(fire->at, utc("2026-12-31T23:59:00Z"));
}

TEST(SlotKey, RefusesAnythingElse) {
  for (const char* text :
       {"", "not-a-date", "2026-02-30", "2026-03-08T07:15:00", "07:15", "2026-03-08 trailing"}) {
    EXPECT_FALSE(SlotKey::parse(text).has_value()) << text;
  }
}

// A slot's key is its run date when daily, its instant when cron: the store's text either way.
TEST(SlotKey, OfASlotFollowsHowItIsKeyed) {
  Slot slot;
  slot.at = utc("2026-03-08T07:15:00Z");
  slot.run_date = *parse_date("2026-03-08");
  slot.keyed_by = SlotKey::kRunDate;
  EXPECT_EQ(slot.slot_key(), SlotKey::of_run_date(slot.run_date));
  EXPECT_EQ(slot.key(), "2026-03-08");
  slot.keyed_by = SlotKey::kFireInstant;
  EXPECT_EQ(slot.slot_key(), SlotKey::of_fire_instant(slot.at));
  EXPECT_EQ(slot.key(), "2026-03-08T07:15:00Z");
}

}  // namespace
}  // namespace orch
