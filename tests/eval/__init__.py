"""Tests of the eval package (metrics, set validation, runner, reports, baseline)."""
