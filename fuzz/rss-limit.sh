#!/usr/bin/env bash
# The memory limit (MB) a fuzz target runs under: 512 for the HDF5 reader
# (`keras_h5`), well below the 3.9-5.8 GB a sparse-chunk file once took, so
# that a reader allocating what a file declares rather than what it holds
# crashes the run; 2048 for the others.
case "$1" in
    keras_h5) echo 512 ;;
    *) echo 2048 ;;
esac
