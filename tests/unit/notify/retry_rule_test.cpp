#include "notify/retry_rule.h"

#include <string>

#include <gtest/gtest.h>

namespace orch::notify {
namespace {

// Whether an attempt answered `reply` is tried again: the whole rule, class to queue.
bool retried(ReplyClass reply) {
  return worth_retrying(error_code(reply));
}

TEST(RetryRule, SmtpTransientRepliesAreRetriedAndPermanentOnesAreNot) {
  for (int code : {421, 450, 451, 452, 454}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(smtp_reply_class(code), ReplyClass::kTransient);
    EXPECT_TRUE(retried(smtp_reply_class(code)));
  }
  for (int code : {500, 501, 530, 535, 550, 552, 553, 554}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(smtp_reply_class(code), ReplyClass::kPermanent);
    EXPECT_FALSE(retried(smtp_reply_class(code)));
  }
}

TEST(RetryRule, HttpServerErrorsTimeoutsAndThrottlingAreRetriedOtherAnswersAreNot) {
  for (int status : {500, 502, 503, 504, 408, 429}) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(retried(http_reply_class(status)));
  }
  for (int status : {301, 400, 401, 403, 404, 410, 413}) {
    SCOPED_TRACE(status);
    EXPECT_EQ(http_reply_class(status), ReplyClass::kPermanent);
    EXPECT_FALSE(retried(http_reply_class(status)));
  }
}

TEST(RetryRule, NoAnswerIsRetriedAnUntrustedCertificateIsNot) {
  EXPECT_TRUE(retried(ReplyClass::kNoAnswer));
  EXPECT_FALSE(retried(ReplyClass::kUntrusted));
  EXPECT_EQ(error_code(ReplyClass::kUntrusted), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(error_code(ReplyClass::kPermanent), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(worth_retrying(ErrorCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace orch::notify
