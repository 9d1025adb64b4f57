// orchestrator-sandbox: enters the Landlock sandbox the orchestrator prepared, then becomes the
// pipeline. posix_spawn cannot run code in the child, so the orchestrator spawns this instead:
//
//   orchestrator-sandbox PROGRAM ARGV0 [ARGS...]      (the ruleset's descriptor open as fd 3)
//
// It allows its own /proc/<pid> (which the program keeps: an exec keeps the pid) in the ruleset,
// since only the child knows that pid; restricts itself with the ruleset (after
// PR_SET_NO_NEW_PRIVS, which Landlock requires and which keeps a set-user-id program from gaining
// rights the sandbox would not see); closes it and execs PROGRAM with ARGV0 ARGS... and the
// environment it was given. Everything else (the process group, the descriptors, the signal
// dispositions, the working folder) was set by the spawn and survives the exec. On failure it
// writes one line to stderr, which is the run's log, and exits 126 (the sandbox could not be
// entered) or 127 (the program could not be executed), as shells do.
//
// It costs one exec per run, so on x86-64 and AArch64 it is built without a C library
// (ORCH_SANDBOX_FREESTANDING): glibc's start-up asks the CPU for its features and caches with
// CPUID, which traps to the hypervisor on a virtual machine, and was half of the helper's CPU.
#include <array>
#include <cstddef>
#include <cstdint>

#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/landlock.h>
#include <linux/prctl.h>

namespace {

// A system call's arguments and result: a register wide, `long` in the kernel's ABI, which
// std::intptr_t is on every Linux target (std::int64_t would not be on a 32-bit one).
using SysWord = std::intptr_t;

constexpr int kRulesetFd = 3;
constexpr int kStderr = 2;
constexpr int kCannotEnter = 126;
constexpr int kCannotExec = 127;

#if defined(ORCH_SANDBOX_FREESTANDING) && defined(__x86_64__)
// Five arguments, all set: prctl(PR_SET_NO_NEW_PRIVS) refuses a non-zero fifth.
SysWord sys(SysWord n, SysWord a = 0, SysWord b = 0, SysWord c = 0, SysWord d = 0, SysWord e = 0) {
  register SysWord r10 asm("r10") = d;
  register SysWord r8 asm("r8") = e;
  SysWord ret = 0;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return ret;  // -errno on failure
}
#elif defined(ORCH_SANDBOX_FREESTANDING) && defined(__aarch64__)
SysWord sys(SysWord n, SysWord a = 0, SysWord b = 0, SysWord c = 0, SysWord d = 0, SysWord e = 0) {
  register SysWord x8 asm("x8") = n;
  register SysWord x0 asm("x0") = a;
  register SysWord x1 asm("x1") = b;
  register SysWord x2 asm("x2") = c;
  register SysWord x3 asm("x3") = d;
  register SysWord x4 asm("x4") = e;
  asm volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
  return x0;  // -errno on failure
}
#else
}  // namespace
#include <errno.h>
#include <unistd.h>
namespace {
SysWord sys(SysWord n, SysWord a = 0, SysWord b = 0, SysWord c = 0, SysWord d = 0, SysWord e = 0) {
  const SysWord ret = syscall(n, a, b, c, d, e);
  return ret < 0 ? -errno : ret;
}
#endif

SysWord length(const char* text) {
  SysWord n = 0;
  while (text[n] != '\0') {
    ++n;
  }
  return n;
}

void put(const char* text) {
  // Nothing useful can be done when stderr is gone.
  sys(__NR_write, kStderr, reinterpret_cast<SysWord>(text), length(text));
}

// "orchestrator-sandbox: WHAT DETAIL: error N" (no strerror without a C library; N is errno).
int fail(const char* what, const char* detail, SysWord error, int code) {
  std::array<char, 24> number = {};
  std::size_t at = number.size() - 1;
  for (auto e = static_cast<std::uintptr_t>(-error); at > 0;) {
    number[--at] = static_cast<char>('0' + e % 10);
    e /= 10;
    if (e == 0) {
      break;
    }
  }
  const std::array<const char*, 6> parts = {"orchestrator-sandbox: ", what, detail, ": error ",
                                            number.data() + at,       "\n"};
  for (const char* part : parts) {
    put(part);
  }
  return code;
}

int enter_and_exec(SysWord argc, char** argv, char** envp) {
  if (argc < 3) {
    put("usage: orchestrator-sandbox PROGRAM ARGV0 [ARGS...] (with a Landlock ruleset as fd 3)\n");
    return kCannotEnter;
  }
  // Reading one's own /proc entries (maps, status, fd) is what runtimes do at start. The
  // service's and other processes' entries stay out: they hold its environment.
  const SysWord self =
      sys(__NR_openat, AT_FDCWD, reinterpret_cast<SysWord>("/proc/self"), O_PATH | O_CLOEXEC);
  if (self >= 0) {
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    rule.parent_fd = static_cast<int>(self);
    if (const SysWord r = sys(__NR_landlock_add_rule, kRulesetFd, LANDLOCK_RULE_PATH_BENEATH,
                              reinterpret_cast<SysWord>(&rule), 0);
        r < 0) {
      return fail("cannot allow /proc/self", "", r, kCannotEnter);
    }
    sys(__NR_close, self);
  }
  if (const SysWord r = sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); r < 0) {
    return fail("cannot set no_new_privs", "", r, kCannotEnter);
  }
  if (const SysWord r = sys(__NR_landlock_restrict_self, kRulesetFd, 0); r < 0) {
    return fail("cannot enter the sandbox", "", r, kCannotEnter);
  }
  sys(__NR_close, kRulesetFd);
  const SysWord r = sys(__NR_execve, reinterpret_cast<SysWord>(argv[1]),
                        reinterpret_cast<SysWord>(argv + 2), reinterpret_cast<SysWord>(envp));
  return fail("cannot execute ", argv[1], r, kCannotExec);
}

}  // namespace

#if defined(ORCH_SANDBOX_FREESTANDING)
// The compiler may call these for the structs above even when freestanding.
extern "C" void* memset(void* dest, int value, std::size_t size) {
  auto* p = static_cast<unsigned char*>(dest);
  for (std::size_t i = 0; i < size; ++i) {
    p[i] = static_cast<unsigned char>(value);
  }
  return dest;
}

// The kernel starts us with argc, argv..., 0, envp..., 0 on the stack.
extern "C" [[noreturn]] void start_from_stack(SysWord* stack) {
  const SysWord argc = stack[0];
  char** argv = reinterpret_cast<char**>(stack + 1);
  const int code = enter_and_exec(argc, argv, argv + argc + 1);
  for (;;) {
    sys(__NR_exit_group, code);
  }
}

#if defined(__x86_64__)
asm(".globl _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call start_from_stack\n");
#else
asm(".globl _start\n"
    "_start:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x0, sp\n"
    "  bl start_from_stack\n");
#endif
#else
int main(int argc, char** argv, char** envp) {
  return enter_and_exec(argc, argv, envp);
}
#endif
