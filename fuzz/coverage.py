#!/usr/bin/env python3
"""Line coverage of Rampart.Core per folder from a cobertura file (dotnet test --collect "Code Coverage;Format=cobertura").

Usage: python3 fuzz/coverage.py FILE.cobertura.xml
"""
import collections, sys, xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
lines = collections.defaultdict(dict)
for cls in root.iter("class"):
    name = cls.get("filename", "").replace("\\", "/")
    if "/src/Rampart.Core/" not in name:
        continue
    folder = name.split("/src/Rampart.Core/")[1].rsplit("/", 1)[0]
    for line in cls.iter("line"):
        key = (name, line.get("number"))
        hit = int(line.get("hits", "0")) > 0
        lines[folder][key] = lines[folder].get(key, False) or hit
total_hit = total = 0
for folder in sorted(lines):
    hit = sum(lines[folder].values())
    n = len(lines[folder])
    total_hit += hit
    total += n
    print(f"{folder:28} {hit:5}/{n:<5} {100 * hit / n:5.1f}%")
print(f"{'Rampart.Core':28} {total_hit:5}/{total:<5} {100 * total_hit / total:5.1f}%")
