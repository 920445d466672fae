"""Demo data: a sample organisation for trying Foyer, and the bulk generator for benchmarks."""
