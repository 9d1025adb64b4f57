#pragma once

// A real SMTP server on loopback that refuses one step of every mail with a chosen reply: what a
// mail server says when an address does not exist (550 to RCPT) or it is short of room (451).

#include <atomic>
#include <string>
#include <thread>

namespace orch::testing {

class RefusingSmtpServer {
 public:
  enum class Step { kRcpt, kData };

  // Listens on 127.0.0.1 on a free port at once and serves until destroyed, one session at a
  // time on its own thread. Every session gets `reply` (e.g. "550 5.1.1 no such user") to the
  // RCPT or the DATA command, per `step`, and 250 to the rest.
  RefusingSmtpServer(Step step, std::string reply);
  ~RefusingSmtpServer();
  RefusingSmtpServer(const RefusingSmtpServer&) = delete;
  RefusingSmtpServer& operator=(const RefusingSmtpServer&) = delete;

  int port() const { return port_; }
  // Sessions that reached the refused step: one per attempt at sending.
  int refusals() const { return refusals_.load(); }

 private:
  void serve();
  void session(int connection);

  Step step_;
  std::string reply_;
  int listener_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};  // a pipe: a byte on it ends serve()
  std::atomic<int> refusals_{0};
  std::thread thread_;
};

}  // namespace orch::testing
