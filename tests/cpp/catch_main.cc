// Catch2's main, compiled once into an object library.
#define CATCH_CONFIG_MAIN
#include "catch.hpp"
