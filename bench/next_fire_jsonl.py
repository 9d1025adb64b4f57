#!/usr/bin/python3
"""Turns Google Benchmark's JSON report (--benchmark_out_format=json) into one JSON line per
benchmark, in the form scripts/bench prints: {"system": "next_fire", "benchmark": ..., "ns": ...}.

    /usr/bin/python3 bench/next_fire_jsonl.py REPORT.json
"""
import json
import sys

SCALE_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

report = json.load(open(sys.argv[1]))
for b in report["benchmarks"]:
    ns = b["cpu_time"] * SCALE_TO_NS[b.get("time_unit", "ns")]
    print(json.dumps({"system": "next_fire", "benchmark": b["name"], "ns": round(ns, 1),
                      "iterations": b["iterations"]}))
