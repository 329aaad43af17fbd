"""Tests of the in-process platform simulators."""
