// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies
// of the split headers of the data layer (readers, corpus, preprocessing, splits), compiled once. Built by the CMake target `metalearn::compiled`,
// which defines METALEARN_COMPILED for it and for every program that links it. Each *_impl.hpp is
// included by exactly one of the library's files (src/*.cpp).
#ifndef METALEARN_COMPILED
#error "src/data.cpp is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/data/read_impl.hpp"
#include "metalearn/data/corpus_impl.hpp"
#include "metalearn/data/preprocess_impl.hpp"
#include "metalearn/data/split_impl.hpp"
