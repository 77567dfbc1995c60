// The lists of include/ebag/*.inc and the code made from them agree: every
// mode and row format has traits, a name and a place in the kernel sets;
// numbers are unique; messages name every mode.
#include <set>
#include <string>

#include "catch.hpp"
#include "ebag/embedding_bag.h"
#include "kernels/ukernels.h"
#include "tester.h"

TEST_CASE("registry: modes", "[registry]") {
  std::set<int> numbers;
  std::set<std::string> names;
  for (ebag::Mode mode : all_modes()) {
    const ebag::ModeTraits* t = ebag::mode_traits(mode);
    REQUIRE(t != nullptr);
    CHECK(numbers.insert(static_cast<int>(mode)).second);
    CHECK(names.insert(t->name).second);
    CHECK(std::string(ebag::error_message(ebag::ErrorCode::kBadMode)).find(t->name) != std::string::npos);
    CHECK(!(t->scaled && t->argmax));
  }
  CHECK(ebag::mode_traits(static_cast<ebag::Mode>(99)) == nullptr);
  CHECK(ebag::mode_traits(static_cast<ebag::Mode>(-1)) == nullptr);
}

TEST_CASE("registry: row formats and the quantized kernel sets", "[registry]") {
  std::set<int> slots;
  for (ebag::RowFormat format : all_row_formats()) {
    const ebag::RowFormatTraits* t = ebag::row_format_traits(format);
    REQUIRE(t != nullptr);
    const int slot = ebag::kernels::row_format_slot(format);
    CHECK(slots.insert(slot).second);
    CHECK(slot < static_cast<int>(ebag::kernels::RowFormatSlot::kCount));
    for (int64_t d : {1, 2, 7, 64}) CHECK(ebag::row_bytes(format, d) == (d * t->code_bits + 7) / 8 + t->param_bytes);
    for (const auto* k : all_kernel_sets<int32_t>()) {
      const auto& q = k->quantized->of(format);
      CHECK((q.sum != nullptr && q.scaled_sum != nullptr && q.max != nullptr));
    }
  }
  CHECK(ebag::row_format_traits(static_cast<ebag::RowFormat>(0)) == nullptr);
  CHECK(ebag::row_bytes(static_cast<ebag::RowFormat>(9), 4) == 0);
}

TEST_CASE("registry: every status code and argument has a text", "[registry]") {
#define EBAG_STATUS_CODE(Name, number, message, ...) \
  CHECK(std::string(ebag::error_message(ebag::ErrorCode::k##Name)) != "unknown error");
#include "ebag/status_codes.inc"
#undef EBAG_STATUS_CODE
#define EBAG_ARGUMENT(Name, name) CHECK(std::string(ebag::argument_name(ebag::Argument::k##Name)) == name);
#include "ebag/arguments.inc"
#undef EBAG_ARGUMENT
}
