// Commit offsets move only over contiguously acknowledged deliveries.
#include "unimq/driver/ack_watermark.hpp"

#include <gtest/gtest.h>

using unimq::driver::AckWatermark;

TEST(AckWatermark, NothingAckedMeansNoCommit) {
  AckWatermark w;
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  w.delivered(0, 10);
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  EXPECT_EQ(w.pending(0), 1u);
  EXPECT_TRUE(w.take_commits().empty());
}

TEST(AckWatermark, OutOfOrderAcksWaitForTheOldest) {
  AckWatermark w;
  for (std::int64_t o = 0; o < 5; ++o) w.delivered(0, o);
  EXPECT_TRUE(w.acked(0, 3));
  EXPECT_TRUE(w.acked(0, 1));
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  EXPECT_EQ(w.pending(0), 3u);
  EXPECT_TRUE(w.acked(0, 0));
  EXPECT_EQ(w.commit_offset(0), 2);  // 0 and 1 done, 2 still out
  EXPECT_TRUE(w.acked(0, 2));
  EXPECT_EQ(w.commit_offset(0), 4);  // 3 was acked earlier
  EXPECT_EQ(w.pending(0), 1u);
  EXPECT_TRUE(w.acked(0, 4));
  EXPECT_EQ(w.commit_offset(0), 5);
  EXPECT_EQ(w.pending(0), 0u);
}

TEST(AckWatermark, UnknownAndRepeatedAcksAreIgnored) {
  AckWatermark w;
  w.delivered(0, 0);
  w.delivered(0, 1);
  EXPECT_FALSE(w.acked(0, 7));  // never delivered
  EXPECT_FALSE(w.acked(5, 0));  // unknown partition
  EXPECT_TRUE(w.acked(0, 1));
  EXPECT_FALSE(w.acked(0, 1));  // repeated while still waiting for 0
  EXPECT_TRUE(w.acked(0, 0));
  EXPECT_FALSE(w.acked(0, 0));  // repeated after the commit moved past it
  EXPECT_EQ(w.commit_offset(0), 2);
  EXPECT_EQ(w.pending(0), 0u);
}

TEST(AckWatermark, GapsBetweenOffsetsDoNotBlockTheCommit) {
  AckWatermark w;
  // 11 and 12 are compacted away or transaction markers: never delivered.
  for (std::int64_t o : {10, 13, 14, 20}) w.delivered(0, o);
  EXPECT_TRUE(w.acked(0, 13));
  EXPECT_TRUE(w.acked(0, 10));
  EXPECT_EQ(w.commit_offset(0), 14);
  EXPECT_TRUE(w.acked(0, 20));
  EXPECT_EQ(w.commit_offset(0), 14);
  EXPECT_TRUE(w.acked(0, 14));
  EXPECT_EQ(w.commit_offset(0), 21);
}

TEST(AckWatermark, PartitionsAreIndependent) {
  AckWatermark w;
  for (std::int64_t o = 0; o < 3; ++o) {
    w.delivered(0, o);
    w.delivered(1, 100 + o);
    w.delivered(2, 50 + o);
  }
  EXPECT_TRUE(w.acked(1, 100));
  EXPECT_TRUE(w.acked(2, 51));
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  EXPECT_EQ(w.commit_offset(1), 101);
  EXPECT_EQ(w.commit_offset(2), std::nullopt);
  EXPECT_EQ(w.pending(0), 3u);
  EXPECT_EQ(w.pending(1), 2u);
  EXPECT_EQ(w.pending(2), 2u);
}

TEST(AckWatermark, TakeCommitsReturnsOnlyPartitionsThatAdvanced) {
  AckWatermark w;
  for (std::int64_t o = 0; o < 4; ++o) {
    w.delivered(0, o);
    w.delivered(1, o);
  }
  EXPECT_TRUE(w.acked(0, 0));
  EXPECT_TRUE(w.acked(1, 1));  // does not advance partition 1
  EXPECT_EQ(w.take_commits(), (std::map<std::int32_t, std::int64_t>{{0, 1}}));
  EXPECT_TRUE(w.take_commits().empty());  // nothing advanced since
  EXPECT_TRUE(w.acked(1, 0));
  EXPECT_TRUE(w.acked(0, 2));  // blocked by 1: no advance for partition 0
  EXPECT_EQ(w.take_commits(), (std::map<std::int32_t, std::int64_t>{{1, 2}}));
  EXPECT_TRUE(w.acked(0, 1));
  EXPECT_TRUE(w.acked(1, 2));
  EXPECT_EQ(w.take_commits(), (std::map<std::int32_t, std::int64_t>{{0, 3}, {1, 3}}));
  EXPECT_EQ(w.commit_offset(0), 3);  // taking does not reset the offset itself
}

TEST(AckWatermark, RedeliveryOfAnAckedOffsetHoldsTheCommit) {
  AckWatermark w;
  w.delivered(0, 5);
  w.delivered(0, 6);
  EXPECT_TRUE(w.acked(0, 6));
  w.delivered(0, 6);  // seen again after a seek: must be acknowledged again
  EXPECT_EQ(w.pending(0), 2u);
  EXPECT_TRUE(w.acked(0, 5));
  EXPECT_EQ(w.commit_offset(0), 6);
  EXPECT_TRUE(w.acked(0, 6));
  EXPECT_EQ(w.commit_offset(0), 7);
}

TEST(AckWatermark, ForgetDropsAPartition) {
  AckWatermark w;
  w.delivered(0, 0);
  w.delivered(1, 0);
  EXPECT_TRUE(w.acked(0, 0));
  EXPECT_TRUE(w.acked(1, 0));
  w.forget(0);
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  EXPECT_EQ(w.pending(0), 0u);
  EXPECT_FALSE(w.acked(0, 0));
  EXPECT_EQ(w.take_commits(), (std::map<std::int32_t, std::int64_t>{{1, 1}}));
  w.delivered(0, 40);  // reassigned later: starts fresh
  EXPECT_TRUE(w.acked(0, 40));
  EXPECT_EQ(w.commit_offset(0), 41);
}

TEST(AckWatermark, AckedBeyondListsWhatARestartWouldRepeat) {
  AckWatermark w;
  for (std::int64_t o = 10; o < 16; ++o) w.delivered(0, o);
  EXPECT_TRUE(w.acked_beyond(0).empty());
  w.acked(0, 10);
  w.acked(0, 12);
  w.acked(0, 14);
  w.acked(0, 15);
  EXPECT_EQ(w.commit_offset(0), 11);
  EXPECT_EQ(w.acked_beyond(0), (std::vector<std::int64_t>{12, 14, 15}));
  w.acked(0, 11);  // the prefix moves over 11 and 12; 13 still holds the rest
  EXPECT_EQ(w.commit_offset(0), 13);
  EXPECT_EQ(w.acked_beyond(0), (std::vector<std::int64_t>{14, 15}));
  EXPECT_TRUE(w.acked_beyond(7).empty());
}

// Acks that all lie behind the first delivered offset move no commit, but must still reach the
// broker with the commit metadata (dlq replay with a filter acked messages 10-19 of 0-19 and
// the next run on Kafka saw all 20 again).
TEST(AckWatermark, ResumeOffsetIsTheFirstUnackedBeforeAnyContiguousAck) {
  AckWatermark w;
  EXPECT_EQ(w.resume_offset(0), std::nullopt);
  for (std::int64_t o = 0; o < 20; ++o) w.delivered(0, o);
  EXPECT_EQ(w.resume_offset(0), 0);
  for (std::int64_t o = 10; o < 20; ++o) w.acked(0, o);
  EXPECT_EQ(w.commit_offset(0), std::nullopt);
  EXPECT_EQ(w.resume_offset(0), 0);
  EXPECT_EQ(w.acked_beyond(0).size(), 10u);
  w.acked(0, 0);
  EXPECT_EQ(w.resume_offset(0), 1);
  EXPECT_EQ(w.resume_offset(0), w.commit_offset(0));
}
