#include "common/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gtm {

Result<Ok> dropPrivileges(const std::string& user) {
  if (::geteuid() != 0) return Ok{};
  passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return Error{"no user \"" + user + "\" to run as"};
  // glibc applies set*id to every thread of the process.
  if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0)
    return Error{"cannot switch to user \"" + user + "\": " + std::strerror(errno)};
  if (::setuid(0) == 0) return Error{"dropped to \"" + user + "\" but could become root again"};
  return Ok{};
}

}  // namespace gtm
