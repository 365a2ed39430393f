#pragma once
/// @file mpi.hpp
/// @brief The optional distributed component (CMake target `metalearn::mpi`, option
/// `METALEARN_MPI`; needs an MPI library): `mpi::Environment`, `mpi::ShardedJournal`,
/// `mpi::farm` (the dynamic scheduler), `mpi::collect`. Not part of `metalearn.hpp`: the core never includes MPI.

#include "metalearn/mpi/collect.hpp"
#include "metalearn/mpi/environment.hpp"
#include "metalearn/mpi/farm.hpp"
#include "metalearn/mpi/journal.hpp"
