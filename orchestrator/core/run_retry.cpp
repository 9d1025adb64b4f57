#include "orchestrator/core/run_retry.h"

#include "orchestrator/schedule/slot_resumption.h"

namespace orch {
namespace {

// Why a failed or timed-out run that has a retry policy gets no further attempt.
std::string why_no_retry(const RetryQuestion& question) {
  if (question.status != RunStatus::kFailed && question.status != RunStatus::kTimedOut) {
    return "none: a run that ends " + std::string(to_string(question.status)) + " is not retried";
  }
  if (question.run.attempt >= question.policy.max_attempts) {
    return "none: attempt " + std::to_string(question.run.attempt) + " of " +
           std::to_string(question.policy.max_attempts) + " was the last";
  }
  return "none: the next attempt would start after the slot's day";
}

}  // namespace

RetryPlan plan_retry(const RetryQuestion& question) {
  RetryPlan plan;
  if (!question.slot_run_date) {
    return plan;
  }
  const int attempt = question.run.attempt;
  if (question.status == RunStatus::kInterrupted && attempt < kMaxSlotAttempts) {
    // Stopped, not failed: a service that fenced itself off runs the slot again at once; one
    // that is stopping drops this and its next start reruns it (resume_slot()).
    plan.next = NextAttempt{attempt + 1, question.ended_at};
    plan.told = "attempt " + std::to_string(attempt + 1) +
                " as soon as a service runs (at once unless it is stopping)";
    return plan;
  }
  if (question.policy.max_attempts <= 1 || question.status == RunStatus::kCompleted ||
      question.zone == nullptr) {
    return plan;
  }
  plan.next = next_attempt(question.policy, attempt, question.status, question.ended_at,
                           *question.slot_run_date, *question.zone,
                           retry_jitter(question.run.run_id.str()));
  plan.told = plan.next ? "attempt " + std::to_string(plan.next->attempt) + " at " +
                              format_utc(plan.next->at)
                        : why_no_retry(question);
  return plan;
}

}  // namespace orch
