#include "workspace.h"

#include <utility>

namespace ebag {

// new, not make_unique: the Impl is a few empty Buffers (no allocation can
// fail here that matters); its buffers grow on demand and report failure.
Workspace::Workspace() : impl_(new Impl) {}
Workspace::~Workspace() { delete impl_; }
Workspace::Workspace(Workspace&& other) noexcept : impl_(std::exchange(other.impl_, new Impl)) {}
Workspace& Workspace::operator=(Workspace&& other) noexcept {
  std::swap(impl_, other.impl_);
  return *this;
}

size_t Workspace::held_bytes() const { return impl_->held_bytes(); }

}  // namespace ebag
