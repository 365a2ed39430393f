// Part of the library of metalearn's compiled mode (include/metalearn/core/config.hpp): the bodies
// of the split headers of the hpo layer (search spaces, metrics, cross-validation, the tuner's surrogates, journal and search), compiled once. Built by the CMake target `metalearn::compiled`,
// which defines METALEARN_COMPILED for it and for every program that links it. Each *_impl.hpp is
// included by exactly one of the library's files (src/*.cpp).
#ifndef METALEARN_COMPILED
#error "src/hpo.cpp is part of the compiled mode's library: build it with METALEARN_COMPILED (target metalearn::compiled)"
#endif

#include "metalearn/core/search_space_impl.hpp"
#include "metalearn/core/sobol_impl.hpp"
#include "metalearn/hpo/metrics_impl.hpp"
#include "metalearn/hpo/cross_validate_impl.hpp"
#include "metalearn/hpo/tuner_gp_impl.hpp"
#include "metalearn/hpo/tuner_journal_impl.hpp"
#include "metalearn/hpo/tuner_core_impl.hpp"
#include "metalearn/hpo/tuner_transfer_impl.hpp"
