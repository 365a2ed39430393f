#pragma once
/// @file mpi.hpp
/// @brief The optional distributed component (CMake target `metalearn::mpi`, option
/// `METALEARN_MPI`; needs an MPI library): `mpi::Environment`, `mpi::ShardedJournal`,
/// `mpi::farm` (the dynamic scheduler), `mpi::collect`,
/// `mpi::leave_one_task_out`, `mpi::evaluate` and `mpi::optimize` (the tuner). Not part of `metalearn.hpp`: the core never includes MPI.

#include "metalearn/mpi/collect.hpp"
#include "metalearn/mpi/environment.hpp"
#include "metalearn/mpi/evaluate.hpp"
#include "metalearn/mpi/farm.hpp"
#include "metalearn/mpi/journal.hpp"
#include "metalearn/mpi/tuner.hpp"
