#pragma once

namespace orch {

// What a read does with a row holding a value it cannot read, e.g. a stored time that is no time
// (a hand edit, another program's write): fail the read with an error naming the row and the
// column, or pass over that row with an error logged naming it. Commands fail, so that a person
// sees the row to mend; the service passes over it, so that one bad row does not stop its work
// for every other.
enum class BadRows { kFail, kSkipAndLog };

}  // namespace orch
