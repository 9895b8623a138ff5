#include "policy/answer_sets.hpp"

#include <algorithm>

#include "policy/router.hpp"

namespace gtm::policy {
namespace {

class Enumerator {
 public:
  Enumerator(std::span<const Profile> profiles, size_t limit) : profiles_(profiles), limit_(limit) {}

  // False once the limit is passed.
  bool sets(size_t index, int depth, std::vector<AnswerSet>& out) {
    const Profile& p = profiles_[index];
    std::vector<const Endpoint*> usable;
    for (const Endpoint& e : p.endpoints)
      if (e.enabled) usable.push_back(&e);
    bool every_available = p.routing == Routing::weighted && p.transferred;
    if (p.routing != Routing::multivalue && !every_available) {
      for (const Endpoint* e : usable)
        if (!endpointSets(*e, depth, out)) return false;
      return true;
    }
    // Multivalue: every choice of 1 to max_answers endpoints; each nested
    // one contributes one of its own sets. A transferred weighted profile:
    // any of its endpoints together.
    size_t most = every_available ? usable.size() : std::min<size_t>(p.max_answers, usable.size());
    std::vector<size_t> pick;
    return choose(usable, 0, most, depth, pick, out);
  }

 private:
  bool endpointSets(const Endpoint& e, int depth, std::vector<AnswerSet>& out) {
    if (e.child < 0) return add({&e}, out);
    if (depth + 1 >= kMaxNesting) return true;
    return sets(static_cast<size_t>(e.child), depth + 1, out);
  }

  bool choose(const std::vector<const Endpoint*>& usable, size_t from, size_t most, int depth,
              std::vector<size_t>& pick, std::vector<AnswerSet>& out) {
    if (!pick.empty() && !combine(usable, pick, 0, {}, depth, out)) return false;
    if (pick.size() == most) return true;
    for (size_t i = from; i < usable.size(); ++i) {
      pick.push_back(i);
      if (!choose(usable, i + 1, most, depth, pick, out)) return false;
      pick.pop_back();
    }
    return true;
  }

  // The product of the picked endpoints' own sets.
  bool combine(const std::vector<const Endpoint*>& usable, const std::vector<size_t>& pick, size_t k,
               AnswerSet so_far, int depth, std::vector<AnswerSet>& out) {
    if (k == pick.size()) {
      if (so_far.size() > kMaxAnswerEndpoints) so_far.resize(kMaxAnswerEndpoints);
      return add(std::move(so_far), out);
    }
    std::vector<AnswerSet> mine;
    if (!endpointSets(*usable[pick[k]], depth, mine)) return false;
    for (const AnswerSet& s : mine) {
      AnswerSet next = so_far;
      next.insert(next.end(), s.begin(), s.end());
      if (!combine(usable, pick, k + 1, std::move(next), depth, out)) return false;
    }
    return true;
  }

  bool add(AnswerSet s, std::vector<AnswerSet>& out) {
    out.push_back(std::move(s));
    return ++count_ <= limit_;
  }

  std::span<const Profile> profiles_;
  size_t limit_;
  size_t count_ = 0;
};

}  // namespace

std::optional<std::vector<AnswerSet>> possibleAnswerSets(std::span<const Profile> profiles, size_t profile,
                                                         size_t limit) {
  std::vector<AnswerSet> out;
  if (!Enumerator(profiles, limit).sets(profile, 0, out)) return std::nullopt;
  return out;
}

}  // namespace gtm::policy
