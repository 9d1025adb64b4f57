#pragma once

// Notification tests of the built binary against the real servers of
// scripts/with_test_services.sh: aiosmtpd sinks (Maildir) and the HTTP(S) webhook sinks.

#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {

// One mail as aiosmtpd's Mailbox stored it, its quoted-printable body decoded.
struct ReceivedMail {
  std::string headers;  // starting with "\n"
  std::string body;
  std::string header(const std::string& name) const;
  std::string subject() const { return header("Subject"); }
  std::string rcpt_to() const { return header("X-RcptTo"); }  // added by aiosmtpd
};

// The mails in `maildir` whose envelope sender is `from`.
std::vector<ReceivedMail> mails_from(const std::filesystem::path& maildir, const std::string& from);
// The mail with that subject among `mails`, or null.
const ReceivedMail* find_subject(const std::vector<ReceivedMail>& mails,
                                 const std::string& subject);
// The lines of `file` holding `text` (the webhook sinks log one line per POST).
std::vector<std::string> lines_with(const std::string& file, const std::string& text);

// An E2eTest with the notification settings cleared, SMTP pointed at the plain sink with a sender
// of the test's own (the sinks are shared by the suite), and team 3's inputs written. Skips when
// the services are not running.
class NotifyE2eTest : public E2eTest {
 protected:
  NotifyE2eTest();
  void SetUp() override;

  // The notifications table: one "event|channel|target|status|attempts|last_error" per row.
  std::vector<std::string> notifications();
  // A string unique to the test, to put in secrets and look for where it must not be.
  std::string token() const;

  std::string from_;
  std::string smtp_port_, maildir_, http_port_, https_port_;
};

}  // namespace orch::testing
