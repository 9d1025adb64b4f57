// orchestrator-sandbox: enters the Landlock sandbox the orchestrator prepared, then becomes the
// pipeline. posix_spawn cannot run code in the child, so the orchestrator spawns this instead:
//
//   orchestrator-sandbox PROGRAM ARGV0 [ARGS...]      (the ruleset's descriptor open as fd 3)
//
// It allows its own /proc/<pid> (which the program keeps: an exec keeps the pid) in the ruleset,
// since only the child knows that pid; restricts itself with the ruleset (after
// PR_SET_NO_NEW_PRIVS, which Landlock requires and which keeps a set-user-id program from gaining
// rights the sandbox would not see); closes it and execs PROGRAM with ARGV0 ARGS... and the environment it was given. Everything else (the
// process group, the descriptors, the signal dispositions, the working folder) was set by the
// spawn and survives the exec. On failure it writes one line to stderr, which is the run's log,
// and exits 126 (the sandbox could not be entered) or 127 (the program could not be executed),
// as shells do. It is linked statically and uses no allocation: it costs one exec.
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

constexpr int kRulesetFd = 3;
constexpr int kCannotEnter = 126;
constexpr int kCannotExec = 127;

void say(const char* what, const char* detail, int error) {
  const char* parts[] = {"orchestrator-sandbox: ", what, detail, ": ", strerror(error), "\n"};
  for (const char* part : parts) {
    // Nothing useful can be done when stderr is gone.
    (void)!write(STDERR_FILENO, part, strlen(part));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    say("usage: orchestrator-sandbox PROGRAM ARGV0 [ARGS...]", "", EINVAL);
    return kCannotEnter;
  }
  // Reading one's own /proc entries (maps, status, fd) is what runtimes do at start. The
  // service's and other processes' entries stay out: they hold its environment.
  const int self = open("/proc/self", O_PATH | O_CLOEXEC);
  if (self >= 0) {
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    rule.parent_fd = self;
    if (syscall(SYS_landlock_add_rule, kRulesetFd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      say("cannot allow /proc/self", "", errno);
      return kCannotEnter;
    }
    close(self);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    say("cannot set no_new_privs", "", errno);
    return kCannotEnter;
  }
  if (syscall(SYS_landlock_restrict_self, kRulesetFd, 0) != 0) {
    say("cannot enter the sandbox", "", errno);
    return kCannotEnter;
  }
  close(kRulesetFd);
  execve(argv[1], argv + 2, environ);
  say("cannot execute ", argv[1], errno);
  return kCannotExec;
}
