// The lists of include/ebag/*.inc as one JSON text, which the JavaScript
// layer parses when the module loads (js/registry.mjs): mode names and
// properties, dtypes and their row sizes, status codes, argument names. No
// number is written twice.
#pragma once

#include <string>

namespace ebag::bindings {

std::string registry_json();

}  // namespace ebag::bindings
