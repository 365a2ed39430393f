#pragma once
/// @file config.hpp
/// @brief Build mode: header-only (the default) or compiled.
///
/// metalearn is header-only by default: every function body is in the headers and a program
/// needs nothing but the include path. Compiling the bodies in every translation unit costs
/// time, so the library also offers a compiled mode, as fmt and spdlog do:
///
/// - **Header-only** (default; CMake target `metalearn::metalearn`): `METALEARN_HEADER_ONLY` is
///   defined here, the public headers include their `*_impl.hpp` bodies, and non-template
///   functions are `inline`.
/// - **Compiled** (CMake target `metalearn::compiled`, which defines `METALEARN_COMPILED`): the
///   split headers declare only; their bodies are compiled once into the `metalearn_compiled`
///   library (`src/*.cpp`, one file per layer), together with explicit instantiations for the
///   bundled models, declared `extern` in `core/compiled_instances.hpp`: `hpo::cross_validate`
///   of every bundled model, and `hpo::Tuner`, `meta::Knowledge`, `meta::warm_start` and
///   `meta::MetaLearner` (with the random-forest meta-model and with `AnyMetaModel`) of the seven
///   classifiers with shipped knowledge; `HyperparameterPredictor<RandomForestMetaModel>`
///   (`meta/predictor.hpp`) and `<AnyMetaModel>`. Among those
///   bodies: logistic regression, trees and forests, gradient boosting, k-NN, naive Bayes, LDA,
///   ridge, elastic net, the SVMs, the MLP and its `Network`; the tuner's non-template parts
///   (its search over encoded configurations, `GaussianProcess`, `RgpeSurrogate`,
///   `TunerJournal`) and the search space's operations, so a program with a `Tuner` over its
///   own parameters compiles only a thin template; and the model-independent parts of
///   `MetaLearner` and `Knowledge` (the collection, the journal, the task table, the knowledge
///   file), so each base model they are instantiated for adds little.
///   A template instantiated for one of your own types (e.g. `MetaLearner<MyModel>`) needs its
///   body: include the template's `*_impl.hpp` in one of your files (never the `*_impl.hpp` of
///   non-template code, whose definitions the library already holds); for the bundled models
///   nothing more is needed.
///
/// Defining both `METALEARN_COMPILED` and `METALEARN_HEADER_ONLY` is an error.

#if defined(METALEARN_COMPILED) && defined(METALEARN_HEADER_ONLY)
#error "metalearn: define at most one of METALEARN_COMPILED and METALEARN_HEADER_ONLY"
#endif

#if !defined(METALEARN_COMPILED) && !defined(METALEARN_HEADER_ONLY)
#define METALEARN_HEADER_ONLY 1
#endif

/// `inline` for the bodies of non-template functions in header-only mode; nothing in compiled
/// mode, where they are defined once in the library.
#ifdef METALEARN_HEADER_ONLY
#define METALEARN_INLINE inline
#else
#define METALEARN_INLINE
#endif
