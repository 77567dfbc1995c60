#include "registry_json.h"

#include "bag_core.h"
#include "ebag/embedding_bag.h"

#define EBAG_STRINGIFY_VALUE(x) #x
#define EBAG_STRINGIFY(x) EBAG_STRINGIFY_VALUE(x)
// The arguments of a hot call after its object: its parameters (the object
// first, so never empty) less one.
#define EBAG_ARITY(...) EBAG_ARITY_OF(__VA_ARGS__, 5, 4, 3, 2, 1, 0, _)
#define EBAG_ARITY_OF(self, a, b, c, d, e, n, ...) n
#define EBAG_IS_ADDRESS_size_t 1
#define EBAG_IS_ADDRESS_int32_t 0
#define EBAG_IS_ADDRESS_double 0
#define EBAG_IS_ADDRESS_void 0

namespace ebag::bindings {
namespace {

// One string literal, put together by the preprocessor from the lists (the
// names and texts there need no JSON escaping; a test parses the result).
// Each list ends with a null element (an object with an empty key) so that
// every entry can end in a comma. Besides the lists of include/ebag: the
// index kinds BagCore's staging takes, and the largest size of anything.
constexpr char kRegistryJson[] =
    "{\"modes\":["
#define EBAG_MODE(Name, number, name, per_sample_weights, scaled, argmax)                            \
  "{\"name\":\"" name "\",\"number\":" #number ",\"perSampleWeights\":" #per_sample_weights \
  ",\"scaled\":" #scaled ",\"argmax\":" #argmax "},"
#include "ebag/modes.inc"
#undef EBAG_MODE
    "null],\"dtypes\":["
    // dtype 0 is the float32 table, then every row format.
    "{\"name\":\"fp32\",\"number\":0,\"codeBits\":32,\"paramBytes\":0,\"layout\":\"D float32 values\"},"
#define EBAG_ROW_FORMAT(Name, number, dtype, code_bits, param_bytes, layout)                             \
  "{\"name\":\"" dtype "\",\"number\":" #number ",\"codeBits\":" #code_bits ",\"paramBytes\":" #param_bytes \
  ",\"layout\":\"" layout "\"},"
#include "ebag/row_formats.inc"
#undef EBAG_ROW_FORMAT
    "null],\"codes\":{"
#define EBAG_STATUS_CODE(Name, number, ...) "\"" #Name "\":" #number ","
#include "ebag/status_codes.inc"
#undef EBAG_STATUS_CODE
    "\"\":null},\"arguments\":["
#define EBAG_ARGUMENT(Name, name) "\"" name "\","
#include "ebag/arguments.inc"
#undef EBAG_ARGUMENT
    "null],\"optimizers\":["
#define EBAG_OPTIMIZER(Name, number, name, full_states, row_states, states, options, lr, eps)            \
  "{\"name\":\"" name "\",\"number\":" #number ",\"fullStates\":" #full_states ",\"rowStates\":" #row_states \
  ",\"states\":\"" states "\",\"options\":\"" options "\",\"lr\":" #lr ",\"eps\":" #eps "},"
#include "ebag/optimizers.inc"
#undef EBAG_OPTIMIZER
    "null],\"hyperparameters\":["
#define EBAG_HYPERPARAMETER(Name, field, argument, js_name, js_index, default_value, low, low_open, high, high_open, rule) \
  "{\"name\":\"" js_name "\",\"index\":" #js_index ",\"field\":\"" #field "\",\"default\":" #default_value \
  ",\"rule\":\"" rule "\"},"
#include "ebag/hyperparameters.inc"
#undef EBAG_HYPERPARAMETER
    "null],\"hotCalls\":\""
    // "export:arity:address ...": a CollectionCore's exports start with
    // collection_ (hot_calls.inc), arity counts the arguments after the object.
#define EBAG_HOT_CALL(Class, export_name, method, result, params, args) \
  #export_name ":" EBAG_STRINGIFY(EBAG_ARITY params) ":" EBAG_STRINGIFY(EBAG_IS_ADDRESS_##result) " "
#include "hot_calls.inc"
#undef EBAG_HOT_CALL
    "\",\"indexKinds\":{"
#define EBAG_INDEX_KIND(Name, name, number) "\"" name "\":" #number ","
    EBAG_INDEX_KINDS(EBAG_INDEX_KIND)
#undef EBAG_INDEX_KIND
    "\"\":null},\"maxSize\":" EBAG_STRINGIFY(EBAG_MAX_SIZE) ",\"smallInputs\":" EBAG_STRINGIFY(EBAG_SMALL_INPUTS) "}";

}  // namespace

std::string registry_json() { return kRegistryJson; }

}  // namespace ebag::bindings
