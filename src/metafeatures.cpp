// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies
// of the split headers of the meta-features, compiled once. Built by the CMake target `metalearn::compiled`,
// which defines METALEARN_COMPILED for it and for every program that links it. Each *_impl.hpp is
// included by exactly one of the library's files (src/*.cpp).
#ifndef METALEARN_COMPILED
#error "src/metafeatures.cpp is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/metafeatures/extract_impl.hpp"
#include "metalearn/metafeatures/options_impl.hpp"
#include "metalearn/metafeatures/meta_features_impl.hpp"
