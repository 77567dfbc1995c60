// The lists of ebag/*.inc as data: mode and row-format traits, row sizes,
// the text of every status code and argument.
#include <cstddef>
#include <utility>

#include "ebag/embedding_bag.h"

namespace ebag {
namespace {

// "must be one of: sum, mean, max, sqrtn" from the list itself.
constexpr char kModeMessage[] = "must be one of:"
#define EBAG_MODE(Name, number, name, per_sample_weights, scaled, argmax) " " name
#include "ebag/modes.inc"
#undef EBAG_MODE
    ;
constexpr char kRowFormatMessage[] = "must be a row format:"
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) " " dtype
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
    ;

// A list's traits by key: the entry of `key` in `table`, or nullptr.
template <typename Key, typename Traits, size_t kCount>
const Traits* find_traits(const std::pair<Key, Traits> (&table)[kCount], Key key) {
  for (const auto& entry : table) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

const std::pair<Mode, ModeTraits> kModes[] = {
#define EBAG_MODE(Name, number, name, per_sample_weights, scaled, argmax) \
  {Mode::k##Name, {name, per_sample_weights, scaled, argmax}},
#include "ebag/modes.inc"
#undef EBAG_MODE
};

const std::pair<RowFormat, RowFormatTraits> kRowFormats[] = {
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout) \
  {RowFormat::k##Name, {dtype, code_bits, param_bytes, layout}},
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
};

}  // namespace

const ModeTraits* mode_traits(Mode mode) { return find_traits(kModes, mode); }

const RowFormatTraits* row_format_traits(RowFormat format) { return find_traits(kRowFormats, format); }

int64_t row_bytes(RowFormat format, int64_t embedding_dim) {
  const RowFormatTraits* traits = row_format_traits(format);
  if (traits == nullptr) return 0;
  return (embedding_dim * traits->code_bits + 7) / 8 + traits->param_bytes;
}

const char* error_message(ErrorCode code) {
  switch (code) {
#define EBAG_STATUS_CODE(Name, number, message, ...) \
  case ErrorCode::k##Name: return message;
#include "ebag/status_codes.inc"
#undef EBAG_STATUS_CODE
  }
  return "unknown error";
}

const char* argument_name(Argument argument) {
  switch (argument) {
#define EBAG_ARGUMENT(Name, name) \
  case Argument::k##Name: return name;
#include "ebag/arguments.inc"
#undef EBAG_ARGUMENT
  }
  return "unknown argument";
}

}  // namespace ebag
